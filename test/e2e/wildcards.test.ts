import { expect } from 'chai';
import { signChannel, signPatternV3 } from '../../lib/signing.js';
import { signChannelToken } from '../../lib/index.js';
import { TestClient, type Frame } from '../helpers/client.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { startRedisNode, type RedisTestNode } from '../helpers/redis-node.js';
import { requireService } from '../helpers/services.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

const socketIdOf = (client: TestClient): string => client.frames.find((f) => f.event === 'pushy:connect')!.data.socketId as string;

/** Triggers `fence` on `channel` and waits for it on `client`: every event sent before has arrived by then. */
async function fence(srv: TestServer, client: TestClient, channel: string): Promise<void> {
  await trigger(srv.url, channel, 'fence', {}, { secret: srv.secret });
  await client.next('fence', (f) => f.channel === channel);
}

/** Wildcard behaviour on a pair of servers: a subscriber on `sub`, triggers sent to `pub`. */
function behaves(servers: () => [TestServer, TestServer], tag: string): void {
  it(`orders.* gets one more segment, orders.** any depth, each event once, as its concrete channel (${tag})`, async () => {
    const [pub, sub] = servers();
    const client = await TestClient.connect(sub.url);
    expect((await client.subscribe('Orders.*')).data).to.deep.equal({ channel: 'orders.*' });
    expect((await client.subscribe('orders.**')).event).to.equal('pushy:subscription-success');
    await client.subscribe('orders.1');
    await client.subscribe('fences');
    for (const channel of ['orders.1', 'orders.2', 'orders.2.items', 'orders', 'shop.orders.3', 'ordersx.1']) {
      await trigger(pub.url, channel, 'created', { channel }, { secret: pub.secret });
    }
    await fence(pub, client, 'fences');
    const got = client.events('created').map((f: Frame) => [f.channel, f.data.channel, typeof f.offset]);
    expect(got).to.deep.equal([
      ['orders.1', 'orders.1', 'number'],
      ['orders.2', 'orders.2', 'number'],
      ['orders.2.items', 'orders.2.items', 'number'],
    ]);
    expect((await client.request('unsubscribe', { channel: 'orders.**' }, 'pushy:subscription-end')).data).to.deep.equal({ channel: 'orders.**' });
    await trigger(pub.url, 'orders.3.deep', 'created', {}, { secret: pub.secret });
    await trigger(pub.url, 'orders.4', 'created', { channel: 'orders.4' }, { secret: pub.secret });
    await client.next('created', (f) => f.channel === 'orders.4');
    expect(client.events('created').map((f) => f.channel)).to.not.include('orders.3.deep');
    await client.close();
  });
}

describe('e2e: wildcard subscriptions', () => {
  describe('one node', () => {
    let srv: TestServer;
    before(async () => {
      srv = await startServer();
    });
    after(async () => {
      await srv.close();
    });
    behaves(() => [srv, srv], 'memory');

    it('refuses bad patterns with 301 saying what is wrong, and presence patterns', async () => {
      const client = await TestClient.connect(srv.url);
      for (const [pattern, reason] of [
        ['orders.x*', /whole last segment|must end/],
        ['orders.*.items', /must end/],
        ['*', /at least one segment/],
        ['orders..*', /empty segment/],
        ['presence-room.*', /presence/],
      ] as const) {
        const answer = await client.subscribe(pattern);
        expect(answer.event, pattern).to.equal('pushy:error');
        expect(answer.data.code, pattern).to.equal('301');
        expect(answer.data.message, pattern).to.match(reason);
      }
      const again = await client.subscribe('fine.*');
      expect(again.event).to.equal('pushy:subscription-success');
      expect((await client.subscribe('fine.*')).data).to.include({ name: 'ALREADY_SUBSCRIBED' });
      await client.close();
    });

    it('private patterns need a signature over the pattern (v3 or v2) or a token; the sender is left out', async () => {
      const client = await TestClient.connect(srv.url);
      expect((await client.subscribe('private-orders.*')).event).to.equal('pushy:subscription-needauth');
      expect((await client.subscribe('private-orders.*', { auth: 'v3:00' })).data).to.include({ code: '403' });
      const v3 = signPatternV3({ socketId: socketIdOf(client), pattern: 'private-orders.*', secretKey: srv.secret });
      expect((await client.subscribe('private-orders.*', { auth: v3 })).event).to.equal('pushy:subscription-success');
      const v2 = signChannel({ socketId: socketIdOf(client), channel: 'private-bills.**', secretKey: srv.secret });
      expect((await client.subscribe('private-bills.**', { auth: v2 })).event).to.equal('pushy:subscription-success');
      const token = await signChannelToken({ key: 'default', secret: srv.secret, channel: 'private-carts.**', expiresIn: 60 });
      expect((await client.subscribe('private-carts.*', { token })).event).to.equal('pushy:subscription-success');
      expect((await client.subscribe('private-other.*', { token })).data).to.include({ code: '442' });
      await client.subscribe('fences');
      await trigger(srv.url, 'private-orders.9', 'paid', { n: 9 }, { secret: srv.secret });
      await trigger(srv.url, 'private-carts.1', 'added', {}, { secret: srv.secret, socketId: socketIdOf(client) });
      await fence(srv, client, 'fences');
      expect(client.events('paid').map((f) => f.channel)).to.deep.equal(['private-orders.9']);
      expect(client.events('added')).to.have.length(0);
      await client.close();
    });

    it('gives the node\'s interest back when the last pattern goes (disconnect included)', async () => {
      const wildcards = () => (srv.server.commands as any).deps.wildcards as { size: number };
      const before = wildcards().size;
      const client = await TestClient.connect(srv.url);
      await client.subscribe('gone.*');
      expect(wildcards().size).to.equal(before + 1);
      await client.close();
      while (wildcards().size !== before) await new Promise((resolve) => setImmediate(resolve));
    });
  });

  describe('two nodes on Redis', function () {
    this.timeout(30_000);
    let redis: RedisServer;
    let nodes: RedisTestNode[] = [];
    before(async function () {
      requireService(this, 'redis-server', REDIS_AVAILABLE);
      redis = await RedisServer.create();
      const options = { adapter: { keyPrefix: `pushy-wild-${process.pid}:` } };
      nodes = [await startRedisNode(redis.url, options), await startRedisNode(redis.url, options)];
    });
    after(async () => {
      await Promise.all(nodes.map((node) => node.close()));
      await redis?.stop();
    });
    behaves(() => [nodes[0]!, nodes[1]!], 'redis');
  });
});
