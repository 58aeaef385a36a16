import { expect } from 'chai';
import { MemoryHistoryStore } from '../../lib/history/memory-history-store.js';
import { RedisHistoryStore } from '../../lib/history/redis-history-store.js';
import { RedisIdempotencyStore } from '../../lib/history/redis-idempotency-store.js';
import type { RedisConnection } from '../../lib/redis/redis-connection.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { recordLogs, RedisConnections } from '../helpers/redis-node.js';
import { requireService } from '../helpers/services.js';
import { describeHistoryContract } from './history-contract.js';

describeHistoryContract('memory', () => ({
  // Each memory store is its own process's history: a new one has lost everything.
  createStore: async () => new MemoryHistoryStore({ maxMemoryBytes: 10_000_000, metaTtl: 3600 }),
  loseEverything: async () => {},
}));

describe('Redis history and idempotency', () => {
  let redis: RedisServer;
  const connections = new RedisConnections(() => redis.url);
  let connection: RedisConnection;

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
    connection = await connections.connect();
  });
  after(async () => {
    await connections.closeAll();
    await redis?.destroy();
  });

  describeHistoryContract('redis', () => ({
    createStore: async () => new RedisHistoryStore({ connection, logger: recordLogs().logger, metaTtl: 3600 }),
    loseEverything: async () => {
      await connection.commands.flushall();
    },
  }));

  it('caps the stream with MAXLEN and gives the keys an expiry', async () => {
    const store = new RedisHistoryStore({ connection, logger: recordLogs().logger, metaTtl: 3600 });
    for (let i = 0; i < 30; i += 1) await store.append('capped', { event: 'e', data: i }, { size: 10, ttl: 120 });
    const events = connection.key('history', '{capped}', 'events');
    const meta = connection.key('history', '{capped}', 'meta');
    expect(await connection.commands.xlen(events)).to.equal(10);
    expect(await connection.commands.pttl(events)).to.be.within(1, 120_000);
    expect(await connection.commands.ttl(meta)).to.be.within(3000, 3600);
  });

  it('two stores on one Redis (two nodes) share offsets and events', async () => {
    const second = await connections.connect();
    const a = new RedisHistoryStore({ connection, logger: recordLogs().logger, metaTtl: 3600 });
    const b = new RedisHistoryStore({ connection: second, logger: recordLogs().logger, metaTtl: 3600 });
    const keep = { size: 100, ttl: 300 };
    const appended = await Promise.all([...Array(20).keys()].map((i) => (i % 2 ? a : b).append('shared', { event: 'e', data: i }, keep)));
    expect(appended.map((p) => p.offset).sort((x, y) => x - y)).to.deep.equal([...Array(20).keys()].map((i) => i + 1));
    const read = await a.read('shared', keep, { since: 0 });
    expect(read.events.map((e) => e.offset)).to.deep.equal([...Array(20).keys()].map((i) => i + 1));
    expect(read.epoch).to.equal((await b.read('shared', keep)).epoch);
  });

  it('idempotency keys: claimed once cluster-wide, remember the answer, expire with EX', async () => {
    const second = await connections.connect();
    const a = new RedisIdempotencyStore({ connection });
    const b = new RedisIdempotencyStore({ connection: second });
    const claims = await Promise.all([a.claim('orders', 'k'), b.claim('orders', 'k'), a.claim('orders', 'k')]);
    expect(claims.filter((c) => c.first)).to.have.length(1);
    await a.complete('orders', 'k', 201);
    expect(await b.claim('orders', 'k')).to.deep.equal({ first: false, status: 201 });
    expect(await b.claim('other', 'k')).to.deep.equal({ first: true });
    const ttl = await connection.commands.ttl(connection.key('idem', '{orders}', 'k'));
    expect(ttl).to.be.within(290, 300);
    await a.release('other', 'k');
    expect(await a.claim('other', 'k')).to.deep.equal({ first: true });
  });
});
