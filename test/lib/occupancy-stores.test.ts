import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { MemoryOccupancyStore } from '../../lib/occupancy/occupancy-store.js';
import { RedisOccupancyStore } from '../../lib/occupancy/redis-occupancy-store.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { recordLogs, RedisConnections } from '../helpers/redis-node.js';
import { requireService } from '../helpers/services.js';
import { waitUntil } from '../helpers/wait.js';
import { describeOccupancyContract, freshOccupancyName } from './occupancy-contract.js';

describeOccupancyContract('memory', async () => new MemoryOccupancyStore());

describe('MemoryOccupancyStore', () => {
  it('tells back from owed by its clock', async () => {
    let now = 1_000;
    const store = new MemoryOccupancyStore(() => now);
    await store.occupy('room', 3000);
    await store.vacate('room', 't1');
    now += 2999;
    expect(await store.occupy('room', 3000)).to.equal('back');
    await store.vacate('room', 't2');
    now += 3000;
    expect(await store.occupy('room', 3000)).to.equal('owed');
  });
});

describe('RedisOccupancyStore', () => {
  let redis: RedisServer;
  const connections = new RedisConnections(() => redis.url);
  const stores: RedisOccupancyStore[] = [];

  /** A node's store. `start: false` gives a node that never heartbeats (as if killed). */
  async function node(options: { start?: boolean; nodeId?: string } = {}): Promise<RedisOccupancyStore> {
    const { logger } = recordLogs();
    const store = new RedisOccupancyStore({ connection: await connections.connect(logger), nodeId: options.nodeId ?? randomUUID(), logger, heartbeatInterval: 100, nodeTimeout: 500 });
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
  });
  after(async () => {
    await connections.closeAll();
    await redis?.destroy();
  });

  describeOccupancyContract('redis', () => node());

  it('first and last are decided once over several nodes', async () => {
    const [a, b] = [await node(), await node()];
    const channel = freshOccupancyName();
    expect(await a.occupy(channel, 60_000)).to.equal('new');
    expect(await b.occupy(channel, 60_000)).to.equal('none');
    expect(await a.vacate(channel, 'ta')).to.equal(false);
    expect(await b.vacate(channel, 'tb')).to.equal(true);
    // A return on the other node cancels the removal the last one made.
    expect(await a.occupy(channel, 60_000)).to.equal('back');
    expect(await b.confirmRemoval(`c:${channel}`, 'tb')).to.equal(false);
  });

  it('a dead node\'s channels are reported vacated once, to one of the living nodes', async () => {
    const deadId = randomUUID();
    const dead = await node({ start: false, nodeId: deadId });
    const [b, c] = [await node(), await node()];
    const reaped: string[][] = [];
    for (const store of [b, c]) store.onReaped((channels) => reaped.push(channels));
    const [alone, shared] = [freshOccupancyName(), freshOccupancyName()];
    await dead.occupy(alone, 60_000);
    await dead.occupy(shared, 60_000);
    await b.occupy(shared, 60_000);
    // Other suites' stores die too (closed without vacating): only this test's channels count.
    const mine = (): string[] => reaped.flat().filter((channel) => channel === alone || channel === shared);
    await waitUntil(() => mine().length > 0, 10_000, 'the dead node reaped');
    // Once the living nodes forgot the dead one (after every listener of a beat succeeded), no beat reports it again.
    const connection = await connections.connect();
    const listed = async (): Promise<boolean> => (await connection.run('test', (r) => r.zscore(connection.key('nodes'), deadId))) !== null;
    while (await listed()) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(mine()).to.deep.equal([alone]);
    // The shared channel is still b's: b's leave is the last.
    expect(await b.vacate(shared, 'tb')).to.equal(true);
  });
});
