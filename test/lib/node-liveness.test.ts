import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import sinon from 'sinon';
import { createAdapter } from '../../lib/adapter.js';
import { loadConfig } from '../../lib/config.js';
import { RedisNodeLiveness, type Beat } from '../../lib/nodes/node-liveness.js';
import { RedisNodeRegistry } from '../../lib/nodes/redis-node-registry.js';
import { RedisPresenceStore } from '../../lib/presence/redis-presence-store.js';
import type { RedisConnection } from '../../lib/redis/redis-connection.js';
import { eventually } from '../helpers/http.js';
import { testNodeView } from '../helpers/node-view.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { recordLogs, RedisConnections } from '../helpers/redis-node.js';
import { requireService } from '../helpers/services.js';
import { freshPresenceChannel, member } from './presence-contract.js';

const view = (nodeId: string) => testNodeView(nodeId);

describe('RedisNodeLiveness: one heartbeat per node', () => {
  let redis: RedisServer;
  let connections: RedisConnections;
  const closers: Array<() => Promise<void>> = [];

  async function liveness(connection: RedisConnection, nodeTimeout = 60000): Promise<RedisNodeLiveness> {
    const made = new RedisNodeLiveness({ connection, nodeId: randomUUID(), logger: recordLogs().logger, heartbeatInterval: 60000, nodeTimeout });
    closers.push(() => made.close());
    return made;
  }

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
  });
  beforeEach(() => {
    connections = new RedisConnections(() => redis.url, `liveness-${randomUUID()}:`);
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    sinon.restore();
    await connections.closeAll();
  });
  after(async () => {
    await redis?.destroy();
  });

  it('the adapter runs one heartbeat timer for the presence store and the node registry together', async () => {
    // A distinctive interval, so that only the node heartbeat's timers are counted.
    const heartbeatInterval = 4321;
    const spy = sinon.spy(globalThis, 'setInterval');
    const config = loadConfig({
      env: {},
      overrides: { adapter: { type: 'redis', url: redis.url, keyPrefix: `liveness-${randomUUID()}:`, heartbeatInterval, nodeTimeout: 60000 } },
    });
    const adapter = await createAdapter(config, recordLogs().logger);
    adapter.nodes.start(() => view('x'), () => new Map());
    closers.push(async () => {
      await adapter.nodes.close();
      await adapter.presence.close();
      await adapter.close();
    });
    expect(spy.getCalls().filter((call) => call.args[1] === heartbeatInterval)).to.have.length(1);
  });

  it('one beat serves the presence store (reaping the dead) and the node registry (writing the view)', async () => {
    const connection = await connections.connect();
    const shared = await liveness(connection);
    const nodeId = shared.nodeId;
    const deps = { connection, nodeId, logger: recordLogs().logger, heartbeatInterval: 60000, nodeTimeout: 60000, liveness: shared };
    const presence = new RedisPresenceStore(deps);
    const registry = new RedisNodeRegistry(deps);
    closers.push(() => presence.close(), () => registry.close());
    presence.start();
    registry.start(() => view(nodeId), () => new Map());

    // A node that joined once and never beat: dead once its short deadline passes.
    const dead = new RedisPresenceStore({ connection: await connections.connect(), nodeId: randomUUID(), logger: recordLogs().logger, heartbeatInterval: 60000, nodeTimeout: 1 });
    const channel = freshPresenceChannel();
    await dead.join(channel, 'u:ghost', member('ghost'), 'g1');
    const quits: string[] = [];
    presence.onChange((change) => quits.push(`${change.kind}:${String(change.member.name)}`));
    await eventually(async () => {
      await shared.beat();
      expect(quits).to.deep.equal(['quit:ghost']);
    });
    expect((await registry.list(view(nodeId))).nodes.map((n) => n.nodeId)).to.deep.equal([nodeId]);
    expect(await connection.commands.zrange(connection.key('nodes'), '0', '-1')).to.deep.equal([nodeId]);
  });

  it('a dead node stays listed as dead until every listener dealt with it', async () => {
    const connection = await connections.connect();
    const shared = await liveness(connection);
    const other = await liveness(await connections.connect(), 1);
    await other.beat();
    const beats: Beat[] = [];
    let fail = true;
    shared.onBeat(async (beat) => {
      beats.push(beat);
      if (fail && beat.dead.length > 0) throw new Error('not now');
    });
    await eventually(async () => {
      await shared.beat();
      expect(beats.at(-1)?.dead).to.deep.equal([other.nodeId]);
    });
    await shared.beat();
    expect(beats.at(-1)?.dead).to.deep.equal([other.nodeId]);
    fail = false;
    await shared.beat();
    await shared.beat();
    expect(beats.at(-1)?.dead).to.deep.equal([]);
    expect(beats[0]?.missing).to.equal(true);
    expect(beats.at(-1)?.missing).to.equal(false);
  });
});
