import { expect } from 'chai';
import { TestClient } from '../helpers/client.js';
import { getJson, historyUrl } from '../helpers/history.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { startRedisNode, type RedisTestNode } from '../helpers/redis-node.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { requireService } from '../helpers/services.js';
import { trigger } from '../helpers/trigger.js';
import { triggerMany } from './recovery-scenarios.js';

/** Subscribes one connection to `count` (at most the per-connection limits) channels named `<prefix>-<i>`; waits for every success. */
async function subscribeMany(client: TestClient, prefix: string, count: number): Promise<void> {
  const from = client.frames.length;
  for (let i = 0; i < count; i += 1) client.command('subscribe', { channel: `${prefix}-${i}` });
  const done = (): boolean => client.frames.slice(from).filter((f) => f.event === 'pushy:subscription-success').length === count;
  await client.nextAny(() => done(), from, 20_000);
  expect(client.frames.slice(from).filter((f) => f.event === 'pushy:error')).to.deep.equal([]);
}

/** What an attacker without any login can do: subscribe sockets to made-up channels, read their history. */
async function touchFreshChannels(url: string, secret: string, prefix: string, sockets: number, perSocket: number, httpReads: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: sockets }, () => TestClient.connect(url, 'websocket')));
  await Promise.all(clients.map((client, i) => subscribeMany(client, `${prefix}-${i}`, perSocket)));
  for (let i = 0; i < httpReads; i += 1) {
    const { status, body } = await getJson(historyUrl({ baseUrl: url, channel: `${prefix}-http-${i}`, secret, since: 0 }));
    expect(status).to.equal(200);
    expect(body).to.include({ offset: 0, complete: true });
  }
  await Promise.all(clients.map((client) => client.close()));
}

describe('e2e: reading a channel without history creates no history state', function () {
  this.timeout(60_000);
  describe('memory history', () => {
    let srv: TestServer;
    before(async () => {
      // Room for the real channel's 50 events and a few hundred channel counters, not more.
      srv = await startServer({ history: { maxMemoryBytes: 50_000 } });
    });
    after(() => srv.close());

    it('a flood of subscribes and history reads of made-up channels leaves a real channel’s events alone', async () => {
      await triggerMany(srv, 'real', 50);
      const before = await getJson(historyUrl({ baseUrl: srv.url, channel: 'real', secret: srv.secret, since: 0 }));
      expect(before.body.events).to.have.length(50);

      await touchFreshChannels(srv.url, srv.secret, 'flood', 10, 100, 200);

      const after = await getJson(historyUrl({ baseUrl: srv.url, channel: 'real', secret: srv.secret, since: 0 }));
      expect(after.body).to.include({ offset: 50, epoch: before.body.epoch, complete: true });
      expect(after.body.events.map((e: { data: { n: number } }) => e.data.n)).to.deep.equal([...Array(50).keys()]);
    });

    it('a client that subscribed to a channel without history recovers what it missed, and learns the channel’s epoch', async () => {
      const client = await TestClient.connect(srv.url);
      const subscribed = await client.subscribe('fresh-room');
      await trigger(srv.url, 'fresh-room', 'msg', { n: 0 }, { secret: srv.secret });
      const first = await client.next('msg');
      await client.close();
      await triggerMany(srv, 'fresh-room', 3, 1);

      const back = await TestClient.connect(srv.url);
      const from = back.frames.length;
      const success = await back.subscribe('fresh-room', { since: { offset: first.offset, epoch: subscribed.data.epoch } });
      expect(success.data).to.include({ recovered: true, offset: 4 });
      expect(success.data.epoch).to.be.a('string').and.not.equal(subscribed.data.epoch);
      await back.next('msg', (f) => f.offset === 4);
      expect(back.frames.slice(from).filter((f) => f.event === 'msg').map((f) => f.data.n)).to.deep.equal([1, 2, 3]);
      await back.close();
    });

    it('a client that comes back to a channel that still has no history missed nothing', async () => {
      const client = await TestClient.connect(srv.url);
      const subscribed = await client.subscribe('quiet-room');
      await client.close();
      const back = await TestClient.connect(srv.url);
      const success = await back.subscribe('quiet-room', { since: { offset: 0, epoch: subscribed.data.epoch } });
      expect(success.data).to.include({ recovered: true, offset: 0 });
      await back.close();
    });
  });

  describe('Redis history', () => {
    let redis: RedisServer;
    let node: RedisTestNode;
    before(async function () {
      requireService(this, 'redis-server', REDIS_AVAILABLE);
      redis = await RedisServer.create();
      node = await startRedisNode(redis.url, { adapter: { keyPrefix: 'state:' } });
    });
    after(async () => {
      await node?.close();
      await redis?.destroy();
    });

    it('subscribes and history reads of made-up channels leave no keys; the first event makes its channel’s', async () => {
      const historyKeys = async (): Promise<string[]> => (await node.adapter.redis!.commands.keys('state:history*')).sort();
      await touchFreshChannels(node.url, node.secret, 'flood', 3, 100, 100);
      // The one global key naming this Redis's history instance (set by the first read or event),
      // never one per channel.
      expect(await historyKeys()).to.deep.equal(['state:history:instance']);

      const client = await TestClient.connect(node.url);
      const subscribed = await client.subscribe('first');
      expect((await trigger(node.url, 'first', 'msg', { n: 1 }, { secret: node.secret })).status).to.equal(201);
      expect(await client.next('msg')).to.include({ offset: 1 });
      expect(subscribed.data).to.include({ offset: 0 });
      expect(await historyKeys()).to.deep.equal(['state:history:instance', 'state:history:{first}:events', 'state:history:{first}:meta']);
      await client.close();
    });
  });
});
