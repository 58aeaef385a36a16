import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { MemoryExclusiveChannelStore } from '../../../lib/channel-rules/memory-exclusive-channel-store.js';
import { RedisExclusiveChannelStore } from '../../../lib/channel-rules/redis-exclusive-channel-store.js';
import { isPushyError } from '../../../lib/errors.js';
import type { RedisConnection } from '../../../lib/redis/redis-connection.js';
import { RedisServer, REDIS_AVAILABLE } from '../../helpers/redis.js';
import { RedisConnections } from '../../helpers/redis-node.js';
import { requireService } from '../../helpers/services.js';
import { describeExclusiveChannelContract, freshChannel } from './exclusive-channel-contract.js';

describe('MemoryExclusiveChannelStore', () => {
  describeExclusiveChannelContract('memory', async () => {
    const nodeId = randomUUID();
    return { store: new MemoryExclusiveChannelStore(nodeId), nodeId };
  });

  it('keeps no entry for a channel whose last holder left', async () => {
    const store = new MemoryExclusiveChannelStore('n');
    const channel = freshChannel();
    await store.claim('app', channel, 's1', 1, 'replace');
    await store.claim('app', channel, 's2', 1, 'replace');
    expect(store.size()).to.equal(1);
    await store.release('app', channel, 's2');
    expect(store.size()).to.equal(0);
  });
});

describe('RedisExclusiveChannelStore', () => {
  let redis: RedisServer;
  const connections = new RedisConnections(() => redis.url);

  /** One node's store on its own Redis connection. */
  async function node(nodeId = randomUUID()): Promise<{ store: RedisExclusiveChannelStore; nodeId: string; connection: RedisConnection }> {
    const connection = await connections.connect();
    return { store: new RedisExclusiveChannelStore({ connection, nodeId }), nodeId, connection };
  }

  /** Every key the stores left in Redis under the test prefix. */
  async function leftoverKeys(connection: RedisConnection): Promise<string[]> {
    const keys = await connection.commands.keys(`${connection.key('excl')}*`);
    return keys.filter((key) => !key.endsWith('excl-seq')).sort();
  }

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
  });
  afterEach(async () => {
    await connections.closeAll();
  });
  after(async () => {
    await redis?.destroy();
  });

  describeExclusiveChannelContract('redis', () => node());

  it('two nodes claiming at once never admit more than the limit, whatever the interleaving', async () => {
    const [a, b] = [await node(), await node()];
    for (const limit of [1, 4]) {
      for (const onFull of ['reject', 'replace'] as const) {
        const channel = freshChannel();
        const claims = Array.from({ length: 40 }, (_, i) => ({ store: i % 2 === 0 ? a.store : b.store, id: `s${i}` }));
        const results = await Promise.all(claims.map(({ store, id }) => store.claim('app', channel, id, limit, onFull)));
        const holders = await a.store.holders('app', channel);
        expect(holders, `${limit} ${onFull}`).to.have.length(limit);
        if (onFull === 'reject') {
          expect(results.filter((result) => result.admitted), `${limit} ${onFull}`).to.have.length(limit);
        } else {
          // Every claim got in; each one evicted exactly, so who is left is who was never evicted.
          expect(results.every((result) => result.admitted)).to.equal(true);
          const evicted = new Set(results.flatMap((result) => result.evicted));
          expect(evicted.size).to.equal(40 - limit);
          expect([...holders].sort()).to.deep.equal(claims.map((claim) => claim.id).filter((id) => !evicted.has(id)).sort());
        }
      }
    }
  });

  it('a place taken over by another node is no longer the first node\'s to give back', async () => {
    const [a, b] = [await node(), await node()];
    const channel = freshChannel();
    await a.store.claim('app', channel, 'from-a', 1, 'replace');
    expect(await b.store.claim('app', channel, 'from-b', 1, 'replace')).to.deep.equal({ admitted: true, evicted: ['from-a'] });
    expect(await b.store.releaseNode(a.nodeId), 'a dead node a').to.equal(0);
    expect(await a.store.holders('app', channel)).to.deep.equal(['from-b']);
    expect(await a.store.releaseNode(b.nodeId)).to.equal(1);
    expect(await a.store.holders('app', channel)).to.deep.equal([]);
  });

  it('leaves no key behind once every place is given back', async () => {
    const { store, connection } = await node();
    const channel = freshChannel();
    const before = await leftoverKeys(connection);
    await store.claim('app', channel, 's1', 2, 'replace');
    await store.claim('app', channel, 's2', 2, 'replace');
    await store.claim('app', channel, 's3', 2, 'replace');
    expect((await leftoverKeys(connection)).length).to.be.greaterThan(before.length);
    await store.release('app', channel, 's2');
    await store.release('app', channel, 's3');
    expect(await leftoverKeys(connection)).to.deep.equal(before);
  });

  it('refuses with UNAVAILABLE while Redis is away (the subscribe is refused, not let through), and works once it is back', async () => {
    const { store, connection } = await node();
    const channel = freshChannel();
    await redis.stop();
    let thrown: unknown;
    try {
      await store.claim('app', channel, 's1', 1, 'reject');
    } catch (error) {
      thrown = error;
    }
    expect(isPushyError(thrown) && thrown.errorName).to.equal('UNAVAILABLE');
    await redis.start();
    expect(await connection.waitUntilReady(10000)).to.equal(true);
    // A fresh Redis has no scripts loaded: EVALSHA falls back to EVAL.
    expect((await store.claim('app', channel, 's1', 1, 'reject')).admitted).to.equal(true);
  });
});
