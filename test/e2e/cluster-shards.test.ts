import { expect } from 'chai';
import { channelKey } from '../../lib/apps/namespace.js';
import { shardId } from '../../lib/redis/redis-endpoints.js';
import { HashRing } from '../../lib/shards/hash-ring.js';
import { signChannel } from '../../lib/signing.js';
import { TestClient, type Frame } from '../helpers/client.js';
import { eventually, request } from '../helpers/http.js';
import { NodeProcess } from '../helpers/node-process.js';
import { RedisShardSet, REDIS_TOOLS_AVAILABLE } from '../helpers/redis-topologies.js';
import { requireService } from '../helpers/services.js';
import { trigger } from '../helpers/trigger.js';
import { recoversMissedEvents } from './recovery-scenarios.js';

const SECRET = 'shards-secret';
const HEARTBEAT_INTERVAL = 200;
const NODE_TIMEOUT = 1500;

/**
 * Three real `pushy-server` processes on three independent Redis servers
 * (`adapter.redis.shards`). The tests run in order and share the cluster: the third kills a node.
 */
describe('e2e: three nodes on three Redis shards', function () {
  this.timeout(30000);
  let set: RedisShardSet;
  let ring: HashRing;
  let nodes: NodeProcess[] = [];
  const clients: TestClient[] = [];
  let survivors: TestClient[] = [];

  /** A channel name with `prefix` that the hash ring puts on shard `shard`. */
  const channelOn = (shard: number, prefix: string): string => {
    for (let i = 0; ; i += 1) if (ring.shardOf(channelKey(undefined, `${prefix}-${i}`)) === shard) return `${prefix}-${i}`;
  };
  const connect = async (node: NodeProcess): Promise<TestClient> => {
    const client = await TestClient.connect(node.url);
    clients.push(client);
    return client;
  };
  const joinPresence = async (client: TestClient, channel: string, user: string): Promise<Frame> => {
    const data = JSON.stringify({ id: user });
    const auth = signChannel({ socketId: client.socketId, channel, presenceData: data, secretKey: SECRET });
    const frame = await client.subscribe(channel, { auth, data });
    expect(frame.event, JSON.stringify(frame)).to.equal('pushy:subscription-success');
    return frame;
  };
  const userIds = (members: Array<{ id: string }>): string[] => members.map((m) => m.id).sort();

  before(async function () {
    requireService(this, 'redis-server', REDIS_TOOLS_AVAILABLE);
    set = await RedisShardSet.create(3);
    ring = new HashRing(set.urls.map(shardId));
    const config = {
      port: 0,
      host: '127.0.0.1',
      secretKey: SECRET,
      logLevel: 'info',
      adapter: {
        type: 'redis',
        redis: { shards: set.urls },
        keyPrefix: `shards-${process.pid}:`,
        commandTimeout: 1000,
        maxReconnectDelay: 200,
        heartbeatInterval: HEARTBEAT_INTERVAL,
        nodeTimeout: NODE_TIMEOUT,
      },
      history: { size: 100, ttl: 300 },
      sockjs: { disconnectDelay: 1000 },
    };
    nodes = await Promise.all(['shard-node-0', 'shard-node-1', 'shard-node-2'].map((name) => NodeProcess.start(name, config)));
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const node of nodes) process.stderr.write(`--- ${node.name} log (last lines)\n${node.stderr.slice(-25).join('\n')}\n`);
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(nodes.map((node) => node.kill('SIGTERM')));
    await set?.destroy();
  });

  it('a trigger to any node reaches every subscriber on every node exactly once, on channels of every shard', async () => {
    const channels = [0, 1, 2].map((shard) => channelOn(shard, 'news'));
    const subscribers = [await connect(nodes[0]!), await connect(nodes[1]!), await connect(nodes[2]!)];
    for (const client of subscribers) for (const channel of channels) await client.subscribe(channel);
    for (const [i, node] of nodes.entries()) {
      for (const channel of channels) expect((await trigger(node.url, channel, `from-${i}`, { i, channel }, { secret: SECRET })).status).to.equal(201);
    }
    for (const client of subscribers) {
      for (const channel of channels) await client.next('from-2', (f) => f.channel === channel);
      for (const channel of channels) {
        for (const i of [0, 1, 2]) expect(client.events(`from-${i}`, channel).map((f) => f.data)).to.deep.equal([{ i, channel }]);
      }
    }
  });

  it('presence lists agree on every node for channels on different shards', async () => {
    const rooms = [channelOn(0, 'presence-room'), channelOn(2, 'presence-room')];
    const [u0, u1, u2] = [await connect(nodes[0]!), await connect(nodes[1]!), await connect(nodes[2]!)];
    survivors = [u0, u1];
    for (const room of rooms) {
      await joinPresence(u0, room, 'u0');
      await joinPresence(u1, room, 'u1');
      expect(userIds((await joinPresence(u2, room, 'u2')).data.presence)).to.deep.equal(['u0', 'u1', 'u2']);
      await u0.next('pushy:presence-add', (f) => f.channel === room && f.data.member.id === 'u2');
    }
  });

  it("SIGKILL one node: its members leave the lists on every shard, with quit events", async () => {
    const rooms = [channelOn(0, 'presence-room'), channelOn(2, 'presence-room')];
    const [u0, u1] = survivors as [TestClient, TestClient];
    expect((await nodes[2]!.kill('SIGKILL')).signal).to.equal('SIGKILL');
    nodes = nodes.slice(0, 2);
    for (const client of [u0, u1]) {
      for (const room of rooms) await client.next('pushy:presence-quit', (f) => f.channel === room && f.data.member.id === 'u2', 10000);
    }
    for (const room of rooms) {
      const fresh = await connect(nodes[1]!);
      expect(userIds((await joinPresence(fresh, room, 'late')).data.presence)).to.deep.equal(['late', 'u0', 'u1']);
    }
  });

  it('a client that reconnects to another node recovers the missed events with `since`, on every shard', async () => {
    const [a, b] = nodes.map((node) => ({ url: node.url, secret: SECRET })) as [{ url: string; secret: string }, { url: string; secret: string }];
    for (const shard of [0, 1, 2]) await recoversMissedEvents(a, b, channelOn(shard, 'recover'));
  });

  it('one shard down: its channels answer 503, the others 201, readiness is false and names the shard; all resumes when it is back', async () => {
    const [lost, kept] = [channelOn(1, 'outage'), channelOn(2, 'outage')];
    const watcher = await connect(nodes[1]!);
    await watcher.subscribe(lost);
    await set.servers[1]!.stop();
    try {
      const notReady = await eventually(async () => {
        const ready = await request(`${nodes[0]!.url}/pushy/ready`);
        expect(ready.status).to.equal(503);
        return ready.body;
      }, 10000);
      expect(notReady.checks.broker).to.equal(`shard ${shardId(set.urls[1]!)} reconnecting`);
      expect((await trigger(nodes[0]!.url, lost, 'e', {}, { secret: SECRET })).status).to.equal(503);
      expect((await trigger(nodes[0]!.url, kept, 'e', {}, { secret: SECRET })).status).to.be.oneOf([200, 201]);
    } finally {
      await set.servers[1]!.start();
    }
    await eventually(async () => expect((await request(`${nodes[0]!.url}/pushy/ready`)).status).to.equal(200), 10000);
    await eventually(async () => expect((await request(`${nodes[1]!.url}/pushy/ready`)).status).to.equal(200), 10000);
    expect((await trigger(nodes[0]!.url, lost, 'back', {}, { secret: SECRET })).status).to.equal(201);
    await watcher.next('back');
  });
});
