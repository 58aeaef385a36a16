import { expect } from 'chai';
import { signChannel } from '../../lib/signing.js';
import { TestClient, type Frame } from '../helpers/client.js';
import { NodeProcess, testRedisAdapter, TEST_HEARTBEAT_INTERVAL as HEARTBEAT_INTERVAL, TEST_NODE_TIMEOUT as NODE_TIMEOUT } from '../helpers/node-process.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { requireService } from '../helpers/services.js';
import { trigger } from '../helpers/trigger.js';

const SECRET = 'cluster-secret';
/** Short heartbeats so that a killed node is noticed within two seconds. */

/**
 * Three real `pushy-server` processes on one private redis-server: the scaling story end to
 * end. The tests run in order and share the cluster: the third kills a node, the fourth
 * restarts Redis under the two that remain.
 */
describe('e2e: three nodes on one Redis', function () {
  this.timeout(30000);
  let redis: RedisServer;
  let nodes: NodeProcess[] = [];
  const clients: TestClient[] = [];
  /** Presence members u0 (node 0) and u1 (node 1), which outlive the killed node. */
  let survivors: TestClient[] = [];

  const connect = async (node: NodeProcess, transport: 'websocket' | 'xhr-polling' = 'websocket'): Promise<TestClient> => {
    const client = await TestClient.connect(node.url, transport);
    clients.push(client);
    return client;
  };
  const joinPresence = async (client: TestClient, channel: string, user: string): Promise<Frame> => {
    const data = JSON.stringify({ id: user, name: `User ${user}` });
    const auth = signChannel({ socketId: client.socketId, channel, presenceData: data, secretKey: SECRET });
    const frame = await client.subscribe(channel, { auth, data });
    expect(frame.event, JSON.stringify(frame)).to.equal('pushy:subscription-success');
    return frame;
  };
  const userIds = (members: Array<{ id: string }>): string[] => members.map((m) => m.id).sort();
  /** Triggers `event` on `channel` through `node` and waits until every client in `to` has it. */
  const sentinel = async (node: NodeProcess, channel: string, to: TestClient[]): Promise<void> => {
    const marker = `sentinel-${Math.random()}`;
    await trigger(node.url, channel, marker, {}, { secret: SECRET });
    await Promise.all(to.map((client) => client.next(marker)));
  };

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
    const config = {
      port: 0,
      host: '127.0.0.1',
      secretKey: SECRET,
      logLevel: 'info',
      adapter: testRedisAdapter(redis.url, `cluster-${process.pid}:`),
      sockjs: { disconnectDelay: 1000 },
    };
    nodes = await Promise.all(['node-0', 'node-1', 'node-2'].map((name) => NodeProcess.start(name, config)));
  });

  afterEach(function () {
    // The nodes' logs explain most failures (outage, reaping, resync).
    if (this.currentTest?.state !== 'failed') return;
    for (const node of nodes) process.stderr.write(`--- ${node.name} log (last lines)\n${node.stderr.slice(-25).join('\n')}\n`);
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(nodes.map((node) => node.kill('SIGTERM')));
    await redis?.destroy();
  });

  it('a trigger to any node reaches every subscriber on every node exactly once; counts and socket_id work across nodes', async () => {
    const subscribers = [await connect(nodes[0]!), await connect(nodes[0]!, 'xhr-polling'), await connect(nodes[1]!), await connect(nodes[2]!)];
    for (const client of subscribers) expect((await client.subscribe('cluster-news')).event).to.equal('pushy:subscription-success');

    for (const [i, node] of nodes.entries()) {
      const answer = await trigger(node.url, 'cluster-news', `from-${i}`, { i }, { secret: SECRET });
      expect(answer.status).to.equal(201);
    }
    // Excluding a socket on node 2 through node 0.
    const excluded = subscribers[3]!;
    expect((await trigger(nodes[0]!.url, 'cluster-news', 'not-for-3', {}, { secret: SECRET, socketId: excluded.socketId })).status).to.equal(201);
    await sentinel(nodes[1]!, 'cluster-news', subscribers);

    for (const client of subscribers) {
      for (const i of [0, 1, 2]) {
        expect(client.events(`from-${i}`, 'cluster-news').map((f) => f.data)).to.deep.equal([{ i }]);
      }
      expect(client.events('not-for-3')).to.have.length(client === excluded ? 0 : 1);
    }
    // Nobody anywhere on this channel: 200.
    expect((await trigger(nodes[2]!.url, 'cluster-empty', 'x', {}, { secret: SECRET })).status).to.equal(200);
  });

  it('presence lists agree on every node; add and quit fire once per member cluster-wide', async () => {
    const channel = 'presence-room';
    const u0 = await connect(nodes[0]!);
    const u1 = await connect(nodes[1]!);
    const u2 = await connect(nodes[2]!);
    survivors = [u0, u1];
    expect(userIds((await joinPresence(u0, channel, 'u0')).data.presence)).to.deep.equal(['u0']);
    expect(userIds((await joinPresence(u1, channel, 'u1')).data.presence)).to.deep.equal(['u0', 'u1']);
    expect(userIds((await joinPresence(u2, channel, 'u2')).data.presence)).to.deep.equal(['u0', 'u1', 'u2']);
    await u0.next('pushy:presence-add', (f) => f.data.member.id === 'u2');
    await u1.next('pushy:presence-add', (f) => f.data.member.id === 'u2');

    // u0's second connection, on another node: the same member, no new add.
    const u0again = await connect(nodes[2]!);
    expect(userIds((await joinPresence(u0again, channel, 'u0')).data.presence)).to.deep.equal(['u0', 'u1', 'u2']);
    await u0again.close();
    await sentinel(nodes[0]!, channel, [u0, u1, u2]);
    for (const client of [u0, u1, u2]) {
      expect(client.events('pushy:presence-add').filter((f) => f.data.member.id === 'u0')).to.have.length(0);
      expect(client.events('pushy:presence-quit')).to.have.length(0);
    }
    expect(u0.events('pushy:presence-add').map((f) => f.data.member.id)).to.deep.equal(['u1', 'u2']);

    // A watcher on each node sees the same list.
    for (const [i, node] of nodes.entries()) {
      const watcher = await connect(node);
      expect(userIds((await joinPresence(watcher, channel, `watcher-${i}`)).data.presence)).to.deep.equal(
        ['u0', 'u1', 'u2', ...Array.from({ length: i + 1 }, (_, k) => `watcher-${k}`)].sort(),
      );
    }
  });

  it('SIGKILL one node: its members leave the other nodes\' lists within the bound, with quit events', async () => {
    const channel = 'presence-room';
    const [u0, u1] = survivors as [TestClient, TestClient];
    const killedAt = Date.now();
    const exit = await nodes[2]!.kill('SIGKILL');
    expect(exit.signal).to.equal('SIGKILL');
    for (const client of [u0, u1]) {
      await client.next('pushy:presence-quit', (f) => f.data.member.id === 'u2', 10000);
      await client.next('pushy:presence-quit', (f) => f.data.member.id === 'watcher-2', 10000);
    }
    // The bound: the node's deadline passes after NODE_TIMEOUT, a survivor notices at its next
    // heartbeat; the rest is slack for a loaded CI machine.
    expect(Date.now() - killedAt).to.be.below(NODE_TIMEOUT + HEARTBEAT_INTERVAL + 3000);
    const fresh = await connect(nodes[1]!);
    expect(userIds((await joinPresence(fresh, channel, 'late')).data.presence)).to.deep.equal(['late', 'u0', 'u1', 'watcher-0', 'watcher-1']);
    for (const client of [u0, u1]) {
      expect(client.events('pushy:presence-quit').filter((f) => f.data.member.id === 'u2')).to.have.length(1);
    }
    nodes = nodes.slice(0, 2);
  });

  it('Redis stops and starts again: triggers answer 503 (local delivery only) meanwhile, nodes recover without restart and deliver everywhere', async () => {
    const [a, b] = [await connect(nodes[0]!), await connect(nodes[1]!)];
    await a.subscribe('after-outage');
    await b.subscribe('after-outage');
    const from = nodes.map((node) => node.logPosition);

    await redis.stop();
    await Promise.all(nodes.map((node, i) => node.waitForLog(/WARN redis connection lost/, from[i])));
    const refused = await trigger(nodes[0]!.url, 'after-outage', 'local-only', {}, { secret: SECRET });
    expect(refused.status).to.equal(503);
    expect(refused.body.error.code).to.equal('503');
    expect(refused.body.error.message).to.match(/redis is unavailable/i);
    // Node 0's own subscriber still gets it; node 1's cannot.
    await a.next('local-only');

    await redis.start();
    await Promise.all(nodes.map((node, i) => node.waitForLog(/redis connection restored/, from[i])));
    await Promise.all(nodes.map((node, i) => node.waitForLog(/redis broker: subscribed to channels/, from[i])));
    await Promise.all(nodes.map((node, i) => node.waitForLog(/presence resynced with redis/, from[i])));

    for (const node of nodes) {
      const answer = await trigger(node.url, 'after-outage', 'back', { via: node.name }, { secret: SECRET });
      expect(answer.status).to.equal(201);
    }
    for (const client of [a, b]) {
      await client.next('back', (f) => f.data.via === 'node-1');
      expect(client.events('back').map((f) => f.data.via)).to.deep.equal(['node-0', 'node-1']);
      expect(client.events('local-only')).to.have.length(client === a ? 1 : 0);
    }
    // Presence came back too: a new member on node 1 sees node 0's members.
    const fresh = await connect(nodes[1]!);
    const members = userIds((await joinPresence(fresh, 'presence-room', 'after')).data.presence);
    expect(members).to.include.members(['u0', 'u1', 'watcher-0', 'watcher-1', 'after']);
    for (const node of nodes) expect(node.alive, `${node.name} is alive`).to.equal(true);
    for (const node of nodes) expect(node.stderr.join('\n')).to.not.match(/uncaught|unhandled/i);
  });
});
