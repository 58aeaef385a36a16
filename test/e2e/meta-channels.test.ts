import { expect } from 'chai';
import { signChannelV3 } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { startRedisNode, type RedisTestNode } from '../helpers/redis-node.js';
import { requireService } from '../helpers/services.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

/** Subscribes to private-meta-stats with a v3 auth. */
async function subscribeMeta(client: TestClient, secret: string): Promise<void> {
  const socketId = client.frames.find((f) => f.event === 'pushy:connect')!.data.socketId as string;
  const answer = await client.subscribe('private-meta-stats', { auth: signChannelV3({ socketId, channel: 'private-meta-stats', secretKey: secret }) });
  expect(answer.event).to.equal('pushy:subscription-success');
}

describe('e2e: meta channel private-meta-stats', function () {
  this.timeout(30_000);

  it('sends the counts every few seconds to authorised subscribers; no trigger can fake them', async () => {
    const srv: TestServer = await startServer();
    try {
      const client = await TestClient.connect(srv.url);
      expect((await client.subscribe('private-meta-stats')).event).to.equal('pushy:subscription-needauth');
      await subscribeMeta(client, srv.secret);
      await client.subscribe('orders');
      const stats = await client.next('pushy:meta-stats', () => true, 12_000);
      expect(stats.channel).to.equal('private-meta-stats');
      expect(stats.offset).to.equal(undefined);
      expect(stats.data).to.include({ app: 'default', nodes: 1, connections: 1 });
      expect(stats.data.channels).to.include({ private: 1 });
      expect(stats.data.events).to.have.property('triggered').that.is.a('number');
      const fake = await trigger(srv.url, 'private-meta-stats', 'pushy:meta-stats', {}, { secret: srv.secret });
      expect(fake.status).to.equal(400);
      await client.close();
    } finally {
      await srv.close();
    }
  });

  describe('on two Redis nodes', () => {
    let redis: RedisServer;
    let nodes: RedisTestNode[] = [];
    before(async function () {
      requireService(this, 'redis-server', REDIS_AVAILABLE);
      redis = await RedisServer.create();
      const options = { adapter: { keyPrefix: `pushy-meta-${process.pid}:`, heartbeatInterval: 200, nodeTimeout: 2000 } };
      nodes = [await startRedisNode(redis.url, options), await startRedisNode(redis.url, options)];
    });
    after(async () => {
      await Promise.all(nodes.map((node) => node.close()));
      await redis?.stop();
    });

    it('sums the nodes, sent by one node only', async () => {
      const [a, b] = nodes as [RedisTestNode, RedisTestNode];
      const onA = await TestClient.connect(a.url);
      const onB = await TestClient.connect(b.url);
      await subscribeMeta(onA, a.secret);
      await subscribeMeta(onB, b.secret);
      const first = await onB.next('pushy:meta-stats', (f) => f.data.nodes === 2 && f.data.connections === 2, 15_000);
      const second = await onB.next('pushy:meta-stats', (f) => f.data.at > first.data.at, 15_000);
      // One payload per interval: nothing else arrived between the two.
      expect(onB.events('pushy:meta-stats').filter((f) => f.data.at >= first.data.at && f.data.at <= second.data.at)).to.have.length(2);
      expect(second.data.events).to.have.property('triggeredPerSecond');
      await onA.close();
      await onB.close();
    });
  });
});
