import { expect } from 'chai';
import type { DeepPartial, PushyConfig } from '../../lib/config.js';
import { TestClient } from '../helpers/client.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { startRedisNode, type RedisTestNode } from '../helpers/redis-node.js';
import { requireService } from '../helpers/services.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

const RULES: DeepPartial<PushyConfig> = {
  channels: [
    { match: 'game-*', maxSubscribers: 1, onFull: 'reject' },
    { match: 'seat-*', maxSubscribers: 1, onFull: 'replace' },
  ],
} as DeepPartial<PushyConfig>;

/** The two behaviours on any pair of servers (one server twice, or two nodes of a cluster). */
function behaves(servers: () => [TestServer, TestServer], tag: string): void {
  it(`refuses a newcomer to a full "reject" channel with 423 CHANNEL_FULL, and frees the place on unsubscribe and disconnect (${tag})`, async () => {
    const [one, two] = servers();
    const a = await TestClient.connect(one.url);
    const b = await TestClient.connect(two.url);
    const channel = `game-${tag}`;
    expect((await a.subscribe(channel)).event).to.equal('pushy:subscription-success');
    const refused = await b.subscribe(channel);
    expect(refused.event).to.equal('pushy:subscription-failed');
    expect(refused.data).to.include({ channel, code: '423', name: 'CHANNEL_FULL' });
    await a.request('unsubscribe', { channel }, 'pushy:subscription-end');
    expect((await b.subscribe(channel)).event).to.equal('pushy:subscription-success');
    await b.close();
    // The place came back with the disconnect (a Redis release is asynchronous: retried until then).
    let again = await a.subscribe(channel);
    while (again.event !== 'pushy:subscription-success') {
      await new Promise((resolve) => setImmediate(resolve));
      again = await a.subscribe(channel);
    }
    await a.close();
  });

  it(`gives the place of the oldest subscriber of a "replace" channel to the newcomer; the old one is told and unsubscribed (${tag})`, async () => {
    const [one, two] = servers();
    const a = await TestClient.connect(one.url);
    const b = await TestClient.connect(two.url);
    const channel = `seat-${tag}`;
    await a.subscribe(channel);
    await a.subscribe(`fence-${tag}`);
    expect((await b.subscribe(channel)).event).to.equal('pushy:subscription-success');
    const ended = await a.next('pushy:subscription-end', (f) => f.data.channel === channel);
    expect(ended.data).to.deep.equal({ channel, reason: 'replaced' });
    await trigger(one.url, channel, 'move', { n: 1 }, { secret: one.secret });
    await b.next('move');
    // Sent after the move: once the fence is in, a move would have been too.
    await trigger(one.url, `fence-${tag}`, 'f', {}, { secret: one.secret });
    await a.next('f');
    expect(a.events('move')).to.have.length(0);
    // The replaced one may come back, replacing in turn.
    expect((await a.subscribe(channel)).event).to.equal('pushy:subscription-success');
    await b.next('pushy:subscription-end', (f) => f.data.channel === channel);
    await a.close();
    await b.close();
  });
}

describe('e2e: exclusive channels (channels rules)', () => {
  describe('one node, in memory', () => {
    let srv: TestServer;
    before(async () => {
      srv = await startServer(RULES);
    });
    after(async () => {
      await srv.close();
    });
    behaves(() => [srv, srv], 'memory');

    it('leaves channels without a rule unlimited', async () => {
      const clients = await Promise.all([1, 2, 3].map(() => TestClient.connect(srv.url)));
      for (const client of clients) expect((await client.subscribe('lobby')).event).to.equal('pushy:subscription-success');
      await Promise.all(clients.map((client) => client.close()));
    });
  });

  describe('two nodes on Redis', function () {
    this.timeout(30_000);
    let redis: RedisServer;
    let nodes: RedisTestNode[] = [];
    before(async function () {
      requireService(this, 'redis-server', REDIS_AVAILABLE);
      redis = await RedisServer.create();
      const options = { ...RULES, adapter: { keyPrefix: `pushy-excl-${process.pid}:` } };
      nodes = [await startRedisNode(redis.url, options), await startRedisNode(redis.url, options)];
    });
    after(async () => {
      await Promise.all(nodes.map((node) => node.close()));
      await redis?.stop();
    });
    behaves(() => [nodes[0]!, nodes[1]!], 'redis');
  });
});

describe('e2e: exclusive channels in the browser client (pushy-server/client)', () => {
  it('a replaced channel ends as unsubscribed, with pushy:subscription-end {reason: "replaced"}', async () => {
    const { Pushy } = await import('pushy-server/client');
    const srv = await startServer(RULES);
    const first = new Pushy(srv.url, { transports: ['websocket'] });
    const second = new Pushy(srv.url, { transports: ['websocket'] });
    try {
      const seat = first.channel('seat-js');
      await new Promise((resolve) => seat.bind('pushy:subscription-success', resolve).subscribe());
      const ended = new Promise<any>((resolve) => seat.bind('pushy:subscription-end', resolve));
      second.channel('seat-js').subscribe();
      expect(await ended).to.deep.equal({ channel: 'seat-js', reason: 'replaced' });
      expect(seat.state).to.equal('unsubscribed');
    } finally {
      first.disconnect();
      second.disconnect();
      await srv.close();
    }
  });
});
