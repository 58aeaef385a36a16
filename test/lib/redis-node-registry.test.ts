import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { MemoryNodeRegistry, type NodeList } from '../../lib/nodes/node-registry.js';
import { RedisNodeRegistry } from '../../lib/nodes/redis-node-registry.js';
import type { RedisConnection } from '../../lib/redis/redis-connection.js';
import { eventually } from '../helpers/http.js';
import { testNodeView } from '../helpers/node-view.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { recordLogs, RedisConnections } from '../helpers/redis-node.js';
import { requireService } from '../helpers/services.js';

const HEARTBEAT_INTERVAL = 100;
const NODE_TIMEOUT = 600;

/** A node's view with `total` connections. */
const view = testNodeView;

/** One node: its registry, connection and the mutable counts it publishes. */
interface TestNode {
  id: string;
  registry: RedisNodeRegistry;
  connection: RedisConnection;
  total: number;
  /** Its subscribers per channel. */
  channels: Map<string, number>;
  startedAt: number;
  list(): Promise<NodeList>;
  /** The cluster's channels as this node sees them, sorted by name. */
  clusterChannels(): Promise<Array<[string, number]>>;
}

describe('RedisNodeRegistry', () => {
  let redis: RedisServer;
  let keyPrefix: string;
  let connections: RedisConnections;
  const registries: RedisNodeRegistry[] = [];

  async function node(startedAt = Date.now()): Promise<TestNode> {
    const connection = await connections.connect(recordLogs().logger);
    const id = randomUUID();
    const registry = new RedisNodeRegistry({ connection, nodeId: id, logger: recordLogs().logger, heartbeatInterval: HEARTBEAT_INTERVAL, nodeTimeout: NODE_TIMEOUT });
    registries.push(registry);
    const test: TestNode = {
      id,
      registry,
      connection,
      total: 0,
      channels: new Map(),
      startedAt,
      list: () => registry.list(view(id, test.total, startedAt)),
      clusterChannels: async () => [...(await registry.channels(test.channels)).subscribers].sort(([a], [b]) => a.localeCompare(b)),
    };
    registry.start(
      () => view(id, test.total, startedAt),
      () => test.channels,
    );
    return test;
  }

  const summary = (list: NodeList): Array<[string, boolean, number]> => list.nodes.map((n) => [n.nodeId, n.self, n.connections.total]);

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
  });

  beforeEach(() => {
    // A fresh key prefix per test: each starts with an empty node list.
    keyPrefix = `nodes-${randomUUID()}:`;
    connections = new RedisConnections(() => redis.url, keyPrefix);
  });

  afterEach(async () => {
    await Promise.all(registries.splice(0).map((registry) => registry.close()));
    await connections.closeAll();
  });

  after(async () => {
    await redis?.destroy();
  });

  it('lists every live node, this one first and fresh, the others oldest first with what they published', async () => {
    const a = await node(1000);
    const b = await node(2000);
    const c = await node(3000);
    a.total = 2;
    b.total = 1;
    await eventually(async () => expect(summary(await c.list())).to.deep.equal([[c.id, true, 0], [a.id, false, 2], [b.id, false, 1]]));
    const fromA = await a.list();
    expect(fromA).to.deep.include({ adapter: 'redis', redis: 'up' });
    expect(summary(fromA)).to.deep.equal([[a.id, true, 2], [b.id, false, 1], [c.id, false, 0]]);
    expect(fromA.nodes[1]).to.deep.include({ host: 'test-host', pid: 1234, startedAt: 2000 });

    // Counts follow within a heartbeat.
    b.total = 5;
    await eventually(async () => expect(summary(await a.list())[1]).to.deep.equal([b.id, false, 5]));
  });

  it('a closed node leaves the list at once', async () => {
    const a = await node(1000);
    const b = await node(2000);
    await eventually(async () => expect((await a.list()).nodes).to.have.length(2));
    await b.registry.close();
    expect(summary(await a.list())).to.deep.equal([[a.id, true, 0]]);
  });

  it('a node that stops writing (killed) leaves the list when its entry expires', async () => {
    const a = await node(1000);
    const b = await node(2000);
    await eventually(async () => expect((await a.list()).nodes).to.have.length(2));
    // Its Redis connection gone without a goodbye: no more writes, no removal.
    b.connection.commands.disconnect();
    b.connection.subscriber.disconnect();
    await eventually(async () => expect(summary(await a.list())).to.deep.equal([[a.id, true, 0]]), NODE_TIMEOUT + 5000);
  });

  it('while Redis is down, answers at once with this node alone and redis "down"; republishes when Redis is back', async () => {
    const a = await node(1000);
    const b = await node(2000);
    await eventually(async () => expect((await a.list()).nodes).to.have.length(2));
    await redis.stop();
    try {
      await eventually(() => expect(a.connection.isUp).to.equal(false));
      const list = await a.list();
      expect(list).to.deep.include({ adapter: 'redis', redis: 'down' });
      expect(summary(list)).to.deep.equal([[a.id, true, 0]]);
    } finally {
      await redis.start();
    }
    // The restarted Redis is empty: both nodes write themselves back as soon as they reconnect.
    await eventually(async () => expect(summary(await a.list()).map(([id]) => id)).to.deep.equal([a.id, b.id]), 10000);
  });

  it('sums every live node\'s subscribers per channel, this node\'s as of now and its peers\' as they last wrote them', async () => {
    const a = await node(1000);
    const b = await node(2000);
    const c = await node(3000);
    a.channels = new Map([['news', 2], ['sport', 1]]);
    b.channels = new Map([['news', 3], ['presence-lobby', 1]]);
    c.channels = new Map([['private-c', 1]]);
    const all: Array<[string, number]> = [['news', 5], ['presence-lobby', 1], ['private-c', 1], ['sport', 1]];
    await eventually(async () => expect(await c.clusterChannels()).to.deep.equal(all));
    expect(await c.registry.channels(c.channels)).to.deep.include({ adapter: 'redis', redis: 'up' });
    await eventually(async () => expect(await a.clusterChannels()).to.deep.equal(all));

    // Changes, removals and additions reach the others within a heartbeat.
    a.channels = new Map([['news', 1], ['weather', 4]]);
    await eventually(async () => expect(await c.clusterChannels()).to.deep.equal([['news', 4], ['presence-lobby', 1], ['private-c', 1], ['weather', 4]]));

    // A closed node's channels go with it, at once.
    await b.registry.close();
    expect(await c.clusterChannels()).to.deep.equal([['news', 1], ['private-c', 1], ['weather', 4]]);
  });

  it("counts each app's channels apart: peers publish channel keys, an app's query reads its own", async () => {
    const a = await node(1000);
    const b = await node(2000);
    // What a node publishes: every app's channels by channel key (`<app>/<channel>`; the default app's by name).
    b.channels = new Map([['news', 2], ['3/news', 5], ['3/presence-Room', 1], ['4/news', 7]]);
    await eventually(async () => expect(await a.clusterChannels()).to.deep.equal([['news', 2]]));
    const ofApp = async (app: string, self: Map<string, number>): Promise<Array<[string, number]>> =>
      [...(await a.registry.channels(self, app)).subscribers].sort(([x], [y]) => x.localeCompare(y));
    // This node's own counts come as names of that app; Pusher names keep their case.
    expect(await ofApp('3', new Map([['news', 1]]))).to.deep.equal([['news', 6], ['presence-Room', 1]]);
    expect(await ofApp('4', new Map())).to.deep.equal([['news', 7]]);
    expect(await ofApp('9', new Map())).to.deep.equal([]);
  });

  it('writes thousands of channels in batches and then only what changed', async () => {
    const a = await node(1000);
    const b = await node(2000);
    a.channels = new Map(Array.from({ length: 1200 }, (_, i) => [`ch-${i}`, (i % 7) + 1]));
    await eventually(async () => expect(await b.clusterChannels()).to.have.length(1200));
    expect(new Map(await b.clusterChannels())).to.deep.equal(a.channels);
    a.channels = new Map([...a.channels].filter(([, count]) => count > 3).map(([name, count]) => [name, count * 10]));
    await eventually(async () => expect(new Map(await b.clusterChannels())).to.deep.equal(a.channels));
  });

  it('skips channel entries that are not channels with counts (Redis is open to more than Pushy)', async () => {
    const a = await node(1000);
    const b = await node(2000);
    b.channels = new Map([['news', 2]]);
    await eventually(async () => expect(await a.clusterChannels()).to.deep.equal([['news', 2]]));
    await b.connection.commands.hset(b.connection.key('admin', 'node', b.id, 'channels'), 'bogus', 'many', 'negative', '-3', 'not a channel!', '1', 'UPPER', '1');
    expect(await a.clusterChannels()).to.deep.equal([['news', 2]]);
  });

  it('while Redis is down, counts this node\'s channels alone; when Redis is back empty, every node writes its channels in full again', async () => {
    const a = await node(1000);
    const b = await node(2000);
    a.channels = new Map([['mine', 1]]);
    b.channels = new Map([['theirs', 2]]);
    await eventually(async () => expect(await a.clusterChannels()).to.deep.equal([['mine', 1], ['theirs', 2]]));
    await redis.stop();
    try {
      await eventually(() => expect(a.connection.isUp).to.equal(false));
      expect(await a.registry.channels(a.channels)).to.deep.equal({ adapter: 'redis', redis: 'down', subscribers: new Map([['mine', 1]]) });
    } finally {
      await redis.start();
    }
    // Nothing changed on b, so a delta would be empty: b must notice Redis lost its entry.
    await eventually(async () => expect(await a.clusterChannels()).to.deep.equal([['mine', 1], ['theirs', 2]]), 10000);
  });

  it('the memory registry is this node alone', async () => {
    const registry = new MemoryNodeRegistry();
    const mine = new Map([['news', 3]]);
    const answer = await registry.channels(mine);
    expect(answer).to.deep.equal({ adapter: 'memory', subscribers: new Map([['news', 3]]) });
    expect(answer.subscribers).to.not.equal(mine);
  });
});
