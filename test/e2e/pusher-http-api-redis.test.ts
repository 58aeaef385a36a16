import { expect } from 'chai';
import { signChannel } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { RawPusherClient } from '../helpers/pusher-raw.js';
import { eventually } from '../helpers/http.js';
import { pusherSdk, type ApiApp } from '../helpers/pusher-api.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { startRedisNode, type RedisTestNode } from '../helpers/redis-node.js';
import { TEST_SECRET } from '../helpers/server.js';
import { requireService } from '../helpers/services.js';

const DEFAULT: ApiApp = { id: 'default', key: 'default', secret: TEST_SECRET };

/**
 * Two nodes on one real redis-server: the Pusher HTTP API of either node counts and lists the
 * subscribers and members of both, and publishes to both.
 */
describe('e2e: Pusher HTTP API on a Redis cluster', function () {
  this.timeout(30000);
  let redis: RedisServer;
  let a: RedisTestNode;
  let b: RedisTestNode;
  const clients: TestClient[] = [];
  const raws: RawPusherClient[] = [];

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
    // Short heartbeats: a node's channel counts reach the others on its next one.
    const overrides = { adapter: { heartbeatInterval: 100, nodeTimeout: 2000 } };
    a = await startRedisNode(redis.url, overrides);
    b = await startRedisNode(redis.url, overrides);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    for (const raw of raws) raw.close();
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  const connect = async (node: RedisTestNode): Promise<TestClient> => {
    const client = await TestClient.connect(node.url, 'websocket');
    clients.push(client);
    return client;
  };
  const join = async (node: RedisTestNode, channel: string, id: string): Promise<TestClient> => {
    const client = await connect(node);
    const data = JSON.stringify({ id });
    const auth = signChannel({ socketId: client.socketId, channel, presenceData: data, secretKey: TEST_SECRET });
    expect((await client.subscribe(channel, { auth, data })).event).to.equal('pushy:subscription-success');
    return client;
  };

  it("counts and lists both nodes' subscribers and members from either node", async () => {
    for (const node of [a, b]) expect((await (await connect(node)).subscribe('room')).event).to.equal('pushy:subscription-success');
    await join(a, 'presence-room', 'ann');
    await join(b, 'presence-room', 'bob');
    for (const node of [a, b]) {
      const sdk = pusherSdk(node.url, DEFAULT);
      // Members are shared at once; subscriber counts on the other node's next heartbeat.
      const users = (await (await sdk.get({ path: '/channels/presence-room/users' })).json()) as { users: Array<{ id: string }> };
      expect(users.users.map((u) => u.id).sort()).to.deep.equal(['ann', 'bob']);
      await eventually(async () => {
        expect(await (await sdk.get({ path: '/channels/room', params: { info: 'subscription_count' } })).json()).to.deep.equal({ occupied: true, subscription_count: 2 });
        expect(await (await sdk.get({ path: '/channels/presence-room', params: { info: 'user_count,subscription_count' } })).json()).to.deep.equal({
          occupied: true,
          user_count: 2,
          subscription_count: 2,
        });
        const list = (await (await sdk.get({ path: '/channels', params: { filter_by_prefix: 'presence-', info: 'user_count' } })).json()) as { channels: Record<string, unknown> };
        expect(list.channels).to.deep.equal({ 'presence-room': { user_count: 2 } });
      });
    }
  });

  it("publishes through one node's API to the other node's clients", async () => {
    const there = await connect(b);
    expect((await there.subscribe('relay')).event).to.equal('pushy:subscription-success');
    await pusherSdk(a.url, DEFAULT).trigger('relay', 'hop', '{"n":12345678901234567890}');
    expect((await there.next('hop')).data).to.equal('{"n":12345678901234567890}');
  });

  it("answers info=cache from either node with the event triggered through one, as a Pusher subscriber gets it", async () => {
    const data = '{"eur":12345678901234567890}';
    const sdk = pusherSdk(a.url, DEFAULT);
    expect(await (await sdk.get({ path: '/channels/cache-shared', params: { info: 'cache' } })).json()).to.deep.equal({ occupied: false });
    await sdk.trigger('cache-shared', 'price', data);
    for (const node of [a, b]) {
      const answer = (await (await pusherSdk(node.url, DEFAULT).get({ path: '/channels/cache-shared', params: { info: 'cache' } })).json()) as { cache: { data: string; ttl: number } };
      expect(answer.cache.data).to.equal(data);
      expect(answer.cache.ttl).to.be.within(299, 300);
    }
    // The cached event a Pusher socket of the other node gets on subscribe: the same string.
    const { client: wire } = await RawPusherClient.connect(b.url, DEFAULT.key);
    raws.push(wire);
    wire.send({ event: 'pusher:subscribe', data: { channel: 'cache-shared' } });
    await wire.next('pusher_internal:subscription_succeeded', 'cache-shared');
    expect((await wire.next('price', 'cache-shared')).data).to.equal(data);
  });
});
