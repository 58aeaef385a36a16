import { expect } from 'chai';
import sinon from 'sinon';
import { PushyError } from '../../lib/errors.js';
import type { RedisConnection } from '../../lib/redis/redis-connection.js';
import { createSharedReplayStore, RedisReplayStore } from '../../lib/signing/redis-replay-store.js';
import { MemoryReplayStore } from '../../lib/signing/replay-store.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { RedisConnections } from '../helpers/redis-node.js';
import { requireService } from '../helpers/services.js';
import { describeReplayContract } from './replay-store-contract.js';

describeReplayContract('memory', () => ({
  createStore: async () => new MemoryReplayStore({ maxKeys: 1000 }),
  shared: false,
}));

describe('MemoryReplayStore', () => {
  let clock: sinon.SinonFakeTimers;
  const T = 1_700_000_000;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: T * 1000 });
  });
  afterEach(() => clock.restore());

  it('remembers a signature to the end of the second its window closes, then forgets it', async () => {
    const store = new MemoryReplayStore({ maxKeys: 10 });
    expect((await store.claim('a', T, T + 600)).fresh).to.equal(true);
    clock.tick(600_999);
    expect(await store.claim('a', T, T + 600)).to.deep.equal({ fresh: false, reason: 'seen' });
    clock.tick(1);
    expect(await store.claim('b', T + 601, T + 1201)).to.deep.equal({ fresh: true });
    expect(store.size(), 'the expired one left from the head').to.equal(1);
  });

  it('stays within maxKeys; a replay of a signature dropped in its window is refused as forgotten, a newer one passes', async () => {
    const store = new MemoryReplayStore({ maxKeys: 50 });
    for (let i = 0; i < 200; i += 1) {
      clock.tick(100);
      expect((await store.claim(`s${i}`, T + Math.floor(i / 10), T + 600)).fresh, `s${i}`).to.equal(true);
    }
    expect(store.size()).to.equal(50);
    // s0..s149 were dropped; the newest of them was signed at T + 14.
    expect(await store.claim('s0', T, T + 600)).to.deep.equal({ fresh: false, reason: 'forgotten' });
    expect(await store.claim('s149', T + 14, T + 614)).to.deep.equal({ fresh: false, reason: 'forgotten' });
    expect(await store.claim('s199', T + 19, T + 619)).to.deep.equal({ fresh: false, reason: 'seen' });
    expect(await store.claim('new', T + 15, T + 615)).to.deep.equal({ fresh: true });
  });

  it('does not count signatures dropped after their window as forgotten', async () => {
    const store = new MemoryReplayStore({ maxKeys: 2 });
    await store.claim('old', T - 600, T);
    clock.tick(1000);
    await store.claim('a', T, T + 600);
    await store.claim('b', T, T + 600);
    expect(await store.claim('c', T - 599, T + 1)).to.deep.equal({ fresh: true });
  });

  it('needs room for at least one signature', () => {
    expect(() => new MemoryReplayStore({ maxKeys: 0 })).to.throw(RangeError);
  });
});

describe('Redis signature replay store', () => {
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

  describeReplayContract('redis', () => ({
    // Each store on its own connection: two nodes on one Redis.
    createStore: async () => new RedisReplayStore({ connection: await connections.connect() }),
    shared: true,
  }));

  it('keeps a signature with SET NX EX for the rest of its window, under the key prefix', async () => {
    const store = createSharedReplayStore(connection)!;
    const now = Math.floor(Date.now() / 1000);
    expect((await store.claim('f'.repeat(64), now - 100, now + 500)).fresh).to.equal(true);
    const ttl = await connection.commands.ttl(connection.key('sig', 'f'.repeat(64)));
    expect(ttl).to.be.within(499, 501);
    expect(createSharedReplayStore(undefined)).to.equal(undefined);
  });

  it('answers UNAVAILABLE while Redis is away and works again once it is back', async () => {
    const own = await connections.connect();
    const store = new RedisReplayStore({ connection: own });
    const now = Math.floor(Date.now() / 1000);
    await redis.stop();
    try {
      await store.claim('e'.repeat(64), now, now + 600);
      expect.fail('claimed without Redis');
    } catch (error) {
      expect(error).to.be.instanceOf(PushyError);
      expect((error as PushyError).errorName).to.equal('UNAVAILABLE');
    } finally {
      await redis.start();
    }
    expect(await own.waitUntilReady(10_000)).to.equal(true);
    expect((await store.claim('e'.repeat(64), now, now + 600)).fresh).to.equal(true);
  });
});
