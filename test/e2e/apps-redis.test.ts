import { expect } from 'chai';
import type { DeepPartial, PushyConfig } from '../../lib/config.js';
import { historyUrlV3, signChannelV3 } from '../../lib/signing.js';
import { TestClient, type Frame } from '../helpers/client.js';
import { getJson } from '../helpers/history.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { startRedisNode, type RedisTestNode } from '../helpers/redis-node.js';
import { requireService } from '../helpers/services.js';
import { triggerV3 } from '../helpers/trigger.js';

/**
 * Two apps on a two-node Redis cluster: the same channel names in both, and no event, member,
 * history entry, subscriber count or idempotency key crosses from one app to the other, whichever
 * node the sockets and triggers go through.
 */

const APPS = [
  { id: 'alpha', key: 'alpha-key', secret: 'alpha-secret' },
  { id: 'beta', key: 'beta-key', secret: 'beta-secret' },
];
const SECRETS: Record<string, string> = { alpha: 'alpha-secret', beta: 'beta-secret' };

describe('e2e: apps on a Redis cluster of two nodes', function () {
  this.timeout(20000);
  let redis: RedisServer;
  let nodes: RedisTestNode[] = [];
  const open: TestClient[] = [];

  const connect = async (node: RedisTestNode, app: string): Promise<TestClient> => {
    const client = await TestClient.connect(node.url, 'websocket', `/pushy/app/${app}-key/socket`);
    open.push(client);
    return client;
  };
  const send = (node: RedisTestNode, app: string, channel: string, event: string, data: unknown, idempotencyKey?: string) =>
    triggerV3(node.url, channel, event, data, { secret: SECRETS[app]!, app, idempotencyKey });
  const eventsOn = (client: TestClient, channel: string): string[] => client.frames.filter((f) => f.channel === channel && !f.event.startsWith('pushy:')).map((f) => f.event);

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
    const overrides = { apps: APPS } as unknown as DeepPartial<PushyConfig>;
    nodes = [await startRedisNode(redis.url, overrides), await startRedisNode(redis.url, overrides)];
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((client) => client.close()));
  });
  after(async () => {
    for (const node of nodes) await node.close();
    await redis?.destroy();
  });

  it('delivers each app its own events across nodes, and counts subscribers per app', async () => {
    const [a, b] = nodes as [RedisTestNode, RedisTestNode];
    const alphaOnB = await connect(b, 'alpha');
    const betaOnB = await connect(b, 'beta');
    await alphaOnB.subscribe('news');
    await betaOnB.subscribe('news');

    // Through node A, which has no sockets: the event reaches its app's socket on B only.
    expect((await send(a, 'alpha', 'news', 'alpha-1', { n: 1 })).status).to.equal(201);
    expect((await send(a, 'beta', 'news', 'beta-1', { n: 2 })).status).to.equal(201);
    await alphaOnB.next('alpha-1');
    await betaOnB.next('beta-1');
    expect(eventsOn(alphaOnB, 'news')).to.deep.equal(['alpha-1']);
    expect(eventsOn(betaOnB, 'news')).to.deep.equal(['beta-1']);

    // A channel only alpha subscribes to has no subscribers for beta, on any node.
    await alphaOnB.subscribe('alpha-only');
    expect((await send(a, 'beta', 'alpha-only', 'e', {})).status).to.equal(200);
    expect((await send(a, 'alpha', 'alpha-only', 'e', {})).status).to.equal(201);
  });

  it('keeps presence members per app across nodes', async () => {
    const [a, b] = nodes as [RedisTestNode, RedisTestNode];
    const join = async (client: TestClient, app: string, id: string): Promise<Frame> => {
      const data = JSON.stringify({ id });
      const auth = signChannelV3({ socketId: client.socketId, channel: 'presence-room', presenceData: data, secretKey: SECRETS[app]! });
      const frame = await client.subscribe('presence-room', { auth, data });
      expect(frame.event, JSON.stringify(frame)).to.equal('pushy:subscription-success');
      return frame;
    };
    const ann = await connect(a, 'alpha');
    await join(ann, 'alpha', 'ann');
    const bob = await connect(b, 'beta');
    const bobJoin = await join(bob, 'beta', 'bob');
    expect(bobJoin.data.presence.map((m: { id: string }) => m.id)).to.deep.equal(['bob']);
    const carol = await connect(b, 'alpha');
    const carolJoin = await join(carol, 'alpha', 'carol');
    expect(carolJoin.data.presence.map((m: { id: string }) => m.id).sort()).to.deep.equal(['ann', 'carol']);
    await ann.next('pushy:presence-add', (f) => f.data.member.id === 'carol');
    // Both nodes agree, per app.
    for (const node of nodes) {
      expect((await node.server.channels.members('presence-room', 'alpha')).map((m) => m.id).sort()).to.deep.equal(['ann', 'carol']);
      expect((await node.server.channels.members('presence-room', 'beta')).map((m) => m.id)).to.deep.equal(['bob']);
    }
    expect(bob.events('pushy:presence-add')).to.have.length(0);
  });

  it('keeps history and idempotency keys per app across nodes', async () => {
    const [a, b] = nodes as [RedisTestNode, RedisTestNode];
    expect((await send(a, 'alpha', 'log', 'a1', {}, 'same-key')).status).to.equal(200);
    // The same key in beta is beta's own: it publishes.
    expect((await send(b, 'beta', 'log', 'b1', {}, 'same-key')).status).to.equal(200);
    expect((await send(b, 'alpha', 'log', 'a1', {}, 'same-key')).status).to.equal(200);
    const read = async (node: RedisTestNode, app: string): Promise<string[]> => {
      const answer = await getJson(historyUrlV3({ baseUrl: node.url, channel: 'log', secretKey: SECRETS[app]!, app }));
      expect(answer.status).to.equal(200);
      return answer.body.events.map((e: { event: string }) => e.event);
    };
    // alpha's retry was a repeat (one entry); beta has its own.
    expect(await read(b, 'alpha')).to.deep.equal(['a1']);
    expect(await read(a, 'beta')).to.deep.equal(['b1']);
  });
});
