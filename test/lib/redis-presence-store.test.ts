import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { PresenceChange } from '../../lib/presence/presence-store.js';
import { RedisPresenceStore } from '../../lib/presence/redis-presence-store.js';
import { PushyError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { recordLogs, RedisConnections } from '../helpers/redis-node.js';
import { requireService } from '../helpers/services.js';
import { describePresenceContract, freshPresenceChannel, member } from './presence-contract.js';

/** Changes a store reported, with a way to wait for one. */
class Changes {
  readonly seen: PresenceChange[] = [];
  private waiters: Array<{ match: (c: PresenceChange) => boolean; resolve: () => void }> = [];

  constructor(store: RedisPresenceStore) {
    store.onChange((change) => {
      this.seen.push(change);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(change)) return true;
        w.resolve();
        return false;
      });
    });
  }

  wait(match: (c: PresenceChange) => boolean, timeoutMs = 8000): Promise<void> {
    if (this.seen.some(match)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no such change; saw ${JSON.stringify(this.seen)}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

describe('RedisPresenceStore', () => {
  let redis: RedisServer;
  const connections = new RedisConnections(() => redis.url);
  const stores: RedisPresenceStore[] = [];

  /** A node's store. `start: false` gives a node that never heartbeats (as if killed). */
  async function node(options: { start?: boolean; logger?: Logger; nodeTimeout?: number } = {}): Promise<RedisPresenceStore> {
    const logger = options.logger ?? recordLogs().logger;
    const store = new RedisPresenceStore({
      connection: await connections.connect(logger),
      nodeId: randomUUID(),
      logger,
      heartbeatInterval: 100,
      nodeTimeout: options.nodeTimeout ?? 1000,
    });
    if (options.start !== false) store.start();
    stores.push(store);
    return store;
  }

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await connections.closeAll();
  });
  after(async () => {
    await redis?.destroy();
  });

  describePresenceContract('redis', () => node({ nodeTimeout: 60000 }));

  it('nodes share one member list; add and quit are decided once for the whole cluster', async () => {
    const [a, b] = [await node(), await node()];
    const channel = freshPresenceChannel();
    expect((await a.join(channel, 'u:alice', member('alice'), 'a1')).first).to.equal(true);
    const onB = await b.join(channel, 'u:alice', member('alice', { memberId: 'later' }), 'b1');
    expect(onB.first).to.equal(false);
    expect(onB.members).to.deep.equal([member('alice')]);
    await b.join(channel, 'u:bob', member('bob'), 'b2');
    expect(await a.members(channel)).to.have.deep.members([member('alice'), member('bob')]);
    // Counted once per member, wherever its connections are, from either node.
    expect(await a.memberCounts([channel])).to.deep.equal([2]);
    expect(await b.memberCounts([channel])).to.deep.equal([2]);
    expect((await a.leave(channel, 'u:alice', 'a1')).last).to.equal(false);
    expect((await b.leave(channel, 'u:alice', 'b1')).last).to.equal(true);
    expect(await a.members(channel)).to.deep.equal([member('bob')]);
  });

  it('a node that stops heartbeating is reaped by a live one, which reports its members\' quits once', async () => {
    const log = recordLogs();
    const [dead, live, other] = [await node({ start: false }), await node({ logger: log.logger }), await node()];
    const liveChanges = new Changes(live);
    const otherChanges = new Changes(other);
    const channel = freshPresenceChannel();
    await dead.join(channel, 'u:ghost', member('ghost'), 'd1');
    await dead.join(channel, 'u:shared', member('shared'), 'd2');
    await live.join(channel, 'u:shared', member('shared'), 'l1');
    expect(await live.members(channel)).to.have.length(2);

    const isGhostQuit = (c: PresenceChange): boolean => c.kind === 'quit' && c.member.name === 'ghost';
    await Promise.race([liveChanges.wait(isGhostQuit), otherChanges.wait(isGhostQuit)]);
    expect(await live.members(channel)).to.deep.equal([member('shared')]);
    // Reaping is one atomic script: whichever node ran it reports the ghost, and only once.
    await live.join(freshPresenceChannel(), 'u:x', member('x'), 'l2');
    expect([...liveChanges.seen, ...otherChanges.seen].filter(isGhostQuit)).to.have.length(1);
    expect([...liveChanges.seen, ...otherChanges.seen].filter((c) => c.member.name === 'shared')).to.deep.equal([]);
  });

  it('close removes the node\'s members and reports their quits', async () => {
    const [a, b] = [await node(), await node()];
    const changes = new Changes(a);
    const channel = freshPresenceChannel();
    await a.join(channel, 'u:alice', member('alice'), 'a1');
    await b.join(channel, 'u:bob', member('bob'), 'b1');
    await a.close();
    expect(changes.seen.map((c) => [c.kind, c.member.name])).to.deep.equal([['quit', 'alice']]);
    expect(await b.members(channel)).to.deep.equal([member('bob')]);
  });

  it('after a connection blip (Redis keeps its data) the resync changes nothing and announces nothing', async () => {
    const [logA, logB] = [recordLogs(), recordLogs()];
    const [a, b] = [await node({ logger: logA.logger }), await node({ logger: logB.logger })];
    const [changesA, changesB] = [new Changes(a), new Changes(b)];
    const channel = freshPresenceChannel();
    await a.join(channel, 'u:alice', member('alice'), 'a1');
    await a.join(channel, 'u:shared', member('shared'), 'a2');
    await b.join(channel, 'u:shared', member('shared'), 'b1');
    await b.join(channel, 'u:bob', member('bob'), 'b2');
    const [fromA, fromB] = [logA.lines.length, logB.lines.length];

    const admin = await connections.connect();
    await admin.commands.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await admin.commands.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await logA.waitFor(/presence resynced with redis/, fromA);
    await logB.waitFor(/presence resynced with redis/, fromB);

    expect(await b.members(channel)).to.have.deep.members([member('alice'), member('shared'), member('bob')]);
    expect([...changesA.seen, ...changesB.seen]).to.deep.equal([]);
    expect(logA.lines.slice(fromA).join('\n')).to.match(/"adds":0,"quits":0/);
  });

  describe('when Redis goes away and comes back empty', () => {
    it('joins fail with UNAVAILABLE, leaves are deferred, and each node puts its members back, reporting who left meanwhile', async () => {
      const log = recordLogs();
      const [a, b] = [await node({ logger: log.logger }), await node()];
      const changesA = new Changes(a);
      const changesB = new Changes(b);
      const channel = freshPresenceChannel();
      await a.join(channel, 'u:alice', member('alice'), 'a1');
      await a.join(channel, 'u:carol', member('carol'), 'a2');
      await b.join(channel, 'u:bob', member('bob'), 'b1');

      await redis.stop();
      const error = await a.join(channel, 'u:dave', member('dave'), 'a3').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(PushyError);
      expect((error as PushyError).errorName).to.equal('UNAVAILABLE');
      expect(await a.leave(channel, 'u:carol', 'a2')).to.deep.equal({ last: false, member: undefined });
      expect(a.memberCount()).to.equal(1);
      await redis.start();

      await changesA.wait((c) => c.kind === 'quit' && c.member.name === 'carol');
      await changesA.wait((c) => c.kind === 'add' && c.member.name === 'alice');
      await changesB.wait((c) => c.kind === 'add' && c.member.name === 'bob');
      expect(await a.members(channel)).to.have.deep.members([member('alice'), member('bob')]);
      expect(await b.members(channel)).to.have.deep.members([member('alice'), member('bob')]);
      expect(log.lines.some((l) => l.includes('presence resynced with redis'))).to.equal(true);
    });
  });
});
