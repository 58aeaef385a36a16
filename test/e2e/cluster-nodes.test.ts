import { expect } from 'chai';
import { signChannel } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { basicAuth, eventually, request, type HttpAnswer } from '../helpers/http.js';
import { NodeProcess, testRedisAdapter, TEST_NODE_TIMEOUT as NODE_TIMEOUT } from '../helpers/node-process.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { requireService } from '../helpers/services.js';

const ADMIN = { username: 'ops', password: 'cluster admin password' };
/** Short heartbeats and expiry so that a killed node leaves the list within seconds. */

/** One row of the node list, as the test compares it. */
type Row = { nodeId: string; self: boolean; total: number; byTransport: Record<string, number>; subscriptions: number };

/**
 * Three real `pushy-server` processes on one private redis-server, each with the admin side
 * on: the admin API of any node lists every node with its own counts.
 */
describe('e2e: admin node list on a Redis cluster', function () {
  this.timeout(30000);
  let redis: RedisServer;
  let nodes: NodeProcess[] = [];
  /** nodeId of each node, in the order of `nodes`. */
  let ids: string[] = [];
  const clients: TestClient[] = [];

  const admin = (node: NodeProcess, path: string, auth = basicAuth(ADMIN.username, ADMIN.password)): Promise<HttpAnswer> =>
    request(node.url + path, { headers: { authorization: auth } });
  const rows = async (node: NodeProcess): Promise<Row[]> => {
    const answer = await admin(node, '/pushy/admin/api/nodes');
    expect(answer.status, answer.text).to.equal(200);
    return answer.body.nodes.map((n: any) => ({
      nodeId: n.nodeId,
      self: n.self,
      total: n.connections.total,
      byTransport: Object.fromEntries(Object.entries(n.connections.byTransport).filter(([, count]) => (count as number) > 0)),
      subscriptions: n.subscriptions,
    }));
  };
  const connect = async (node: NodeProcess, transport: 'websocket' | 'xhr-polling', channel: string): Promise<TestClient> => {
    const client = await TestClient.connect(node.url, transport);
    clients.push(client);
    expect((await client.subscribe(channel)).event).to.equal('pushy:subscription-success');
    return client;
  };

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
    const config = {
      port: 0,
      host: '127.0.0.1',
      secretKey: 'cluster-nodes-secret',
      logLevel: 'info',
      admin: ADMIN,
      adapter: testRedisAdapter(redis.url, `cluster-nodes-${process.pid}:`),
    };
    nodes = await Promise.all(['node-0', 'node-1', 'node-2'].map((name) => NodeProcess.start(name, config)));
    ids = await Promise.all(nodes.map(async (node) => (await admin(node, '/pushy/admin/api/stats')).body.node.nodeId as string));
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const node of nodes) process.stderr.write(`--- ${node.name} log (last lines)\n${node.stderr.slice(-15).join('\n')}\n`);
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(nodes.filter((node) => node.alive).map((node) => node.kill('SIGTERM')));
    await redis?.destroy();
  });

  it('the admin API of every node lists all three nodes with their own connection counts; stats adds cluster totals', async () => {
    await connect(nodes[0]!, 'websocket', 'news');
    await connect(nodes[0]!, 'websocket', 'sport');
    await connect(nodes[1]!, 'xhr-polling', 'news');
    const expected = (self: number): Row[] => {
      const all: Row[] = [
        { nodeId: ids[0]!, self: false, total: 2, byTransport: { websocket: 2 }, subscriptions: 2 },
        { nodeId: ids[1]!, self: false, total: 1, byTransport: { 'xhr-polling': 1 }, subscriptions: 1 },
        { nodeId: ids[2]!, self: false, total: 0, byTransport: {}, subscriptions: 0 },
      ];
      const mine = { ...all[self]!, self: true };
      return [mine, ...all.filter((_, i) => i !== self)];
    };
    // A peer's counts are as of its last heartbeat: wait for them to settle.
    for (const [i, node] of nodes.entries()) {
      await eventually(async () => {
        const list = await rows(node);
        // Peers come oldest first; the three started together, so compare them as a set.
        expect(list[0]).to.deep.equal(expected(i)[0]);
        expect(list.slice(1)).to.have.deep.members(expected(i).slice(1));
      });
    }
    const answer = await admin(nodes[2]!, '/pushy/admin/api/nodes');
    expect(answer.body).to.deep.include({ adapter: 'redis', redis: 'up' });
    for (const view of answer.body.nodes) {
      expect(view.broker).to.deep.equal({ ready: true, state: 'ready' });
      expect(view.pid).to.be.a('number');
      expect(view.host).to.be.a('string');
      expect(view.updatedAt).to.be.a('number');
    }
    const stats = await admin(nodes[1]!, '/pushy/admin/api/stats');
    expect(stats.body.cluster).to.deep.include({ adapter: 'redis', redis: 'up', nodes: 3, connections: 3, subscriptions: 3 });
    expect(stats.body.node.nodeId).to.equal(ids[1]);

    // The credential rules are those of every admin URL.
    expect((await admin(nodes[0]!, '/pushy/admin/api/nodes', basicAuth(ADMIN.username, 'wrong'))).status).to.equal(401);
    expect((await request(nodes[0]!.url + '/pushy/admin/api/nodes')).status).to.equal(401);
  });

  it('stats, the channel list and channel details count every node; a member on two nodes counts once', async () => {
    // From the first test: node 0 has news and sport, node 1 news. Now the same user joins a
    // presence channel from node 0 and node 1, and a second user from node 1.
    const join = async (node: NodeProcess, id: string): Promise<void> => {
      const client = await TestClient.connect(node.url, 'websocket');
      clients.push(client);
      const data = JSON.stringify({ id, name: id });
      const auth = signChannel({ socketId: client.socketId, channel: 'presence-room', presenceData: data, secretKey: 'cluster-nodes-secret' });
      expect((await client.subscribe('presence-room', { auth, data })).event).to.equal('pushy:subscription-success');
    };
    await join(nodes[0]!, 'ann');
    await join(nodes[1]!, 'ann');
    await join(nodes[1]!, 'bob');

    // Asked of node 2, which has no subscriber at all: peers count as of their last heartbeat.
    await eventually(async () => {
      const stats = (await admin(nodes[2]!, '/pushy/admin/api/stats')).body;
      expect(stats.cluster).to.deep.equal({
        adapter: 'redis',
        redis: 'up',
        nodes: 3,
        connections: 6,
        byTransport: { websocket: 5, 'xhr-polling': 1 },
        subscriptions: 6,
        channels: { total: 3, byKind: { public: 2, private: 0, presence: 1 } },
        presenceMembers: 2,
        events: stats.cluster.events,
      });
      // The node part stays this node's own.
      expect(stats.node).to.deep.include({ subscriptions: 0, presenceMembers: 0 });
      expect(stats.node.connections.total).to.equal(0);
    });
    const channels = await admin(nodes[2]!, '/pushy/admin/api/channels');
    expect(channels.body).to.deep.equal({
      total: 3,
      channels: [
        { name: 'presence-room', kind: 'presence', subscribers: 3, members: 2 },
        { name: 'news', kind: 'public', subscribers: 2 },
        { name: 'sport', kind: 'public', subscribers: 1 },
      ],
    });
    const room = await admin(nodes[2]!, '/pushy/admin/api/channels/presence-room');
    expect(room.status).to.equal(200);
    expect(room.body).to.deep.include({ name: 'presence-room', kind: 'presence', subscribers: 3 });
    expect(room.body.members.map((m: { id: string }) => m.id).sort()).to.deep.equal(['ann', 'bob']);
    expect((await admin(nodes[2]!, '/pushy/admin/api/channels/news')).body).to.deep.include({ subscribers: 2 });

    // Every node agrees.
    for (const node of nodes.slice(0, 2)) {
      await eventually(async () => expect((await admin(node, '/pushy/admin/api/channels')).body).to.deep.equal(channels.body));
    }
    // The sum of the nodes table is the cluster total.
    const list = (await admin(nodes[0]!, '/pushy/admin/api/nodes')).body.nodes as Array<{ connections: { total: number } }>;
    expect(list.reduce((sum, n) => sum + n.connections.total, 0)).to.equal(6);
  });

  it('a node closed gracefully leaves the list at once; a SIGKILLed one when its entry expires', async () => {
    const exit = await nodes[2]!.kill('SIGTERM');
    expect(exit.code).to.equal(0);
    expect((await rows(nodes[0]!)).map((row) => row.nodeId)).to.have.members([ids[0], ids[1]]);

    expect((await nodes[1]!.kill('SIGKILL')).signal).to.equal('SIGKILL');
    // Still listed until its entry expires (NODE_TIMEOUT after its last heartbeat), then gone.
    await eventually(async () => expect((await rows(nodes[0]!)).map((row) => row.nodeId)).to.deep.equal([ids[0]]), NODE_TIMEOUT + 5000);
    const stats = await admin(nodes[0]!, '/pushy/admin/api/stats');
    expect(stats.body.cluster).to.deep.include({ nodes: 1, connections: 3 });
    nodes = nodes.slice(0, 1);
  });

  it('while Redis is down the list answers at once with this node and "redis": "down"; the node is back when Redis is', async () => {
    const [node] = nodes as [NodeProcess];
    const from = node.logPosition;
    await redis.stop();
    await node.waitForLog(/WARN redis connection lost/, from);
    const answer = await admin(node, '/pushy/admin/api/nodes');
    expect(answer.status).to.equal(200);
    expect(answer.body).to.deep.include({ adapter: 'redis', redis: 'down' });
    expect(answer.body.nodes.map((n: { nodeId: string }) => n.nodeId)).to.deep.equal([ids[0]]);
    expect((await admin(node, '/pushy/admin/api/stats')).body.cluster).to.deep.include({ redis: 'down', nodes: 1 });

    await redis.start();
    await node.waitForLog(/redis connection restored/, from);
    await eventually(async () => {
      const back = await admin(node, '/pushy/admin/api/nodes');
      expect(back.body.redis).to.equal('up');
      expect(back.body.nodes.map((n: { nodeId: string }) => n.nodeId)).to.deep.equal([ids[0]]);
    });
  });
});
