import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { RedisSubscriberCountStore } from '../../lib/counts/redis-count-store.js';
import { MemorySubscriberCountStore, type ChannelTotal } from '../../lib/counts/subscriber-count-store.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { recordLogs, RedisConnections } from '../helpers/redis-node.js';
import { requireService } from '../helpers/services.js';
import { waitUntil } from '../helpers/wait.js';
import { describeCountStoreContract, freshCountChannel } from './count-store-contract.js';

describeCountStoreContract('memory', async () => new MemorySubscriberCountStore(), { shared: false });

describe('RedisSubscriberCountStore', () => {
  let redis: RedisServer;
  const connections = new RedisConnections(() => redis.url);
  const stores: RedisSubscriberCountStore[] = [];

  /** A node's store. `start: false` gives a node that never heartbeats (as if killed). */
  async function node(options: { start?: boolean } = {}): Promise<RedisSubscriberCountStore> {
    const { logger } = recordLogs();
    const store = new RedisSubscriberCountStore({ connection: await connections.connect(logger), nodeId: randomUUID(), logger, heartbeatInterval: 100, nodeTimeout: 500 });
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

  describeCountStoreContract('redis', () => node(), { shared: true });

  it("drops a dead node's counts after the node timeout and reports the new totals once, to one living node", async () => {
    const dead = await node({ start: false });
    const [b, c] = [await node(), await node()];
    const channel = freshCountChannel();
    const reported: ChannelTotal[] = [];
    for (const store of [b, c]) store.onChanged((totals) => reported.push(...totals.filter((total) => total.channel === channel)));
    const before = await dead.set(channel, 4);
    expect((await b.set(channel, 1)).total).to.equal(5);
    await waitUntil(() => reported.length > 0, 10_000, 'the dead node reaped');
    // A few more beats: nobody reports it again.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reported).to.have.length(1);
    expect(reported[0]!.total).to.equal(1);
    expect(reported[0]!.version).to.be.greaterThan(before.version);
    expect((await c.set(channel, 2)).total).to.equal(3);
  });

  it("takes its counts out when it closes (the node leaves the node list with presence, so nobody would reap them), and reports the totals", async () => {
    const [leaving, staying] = [await node(), await node()];
    const channel = freshCountChannel();
    await leaving.set(channel, 2);
    await staying.set(channel, 1);
    const reported: ChannelTotal[] = [];
    leaving.onChanged((totals) => reported.push(...totals.filter((total) => total.channel === channel)));
    await leaving.close();
    expect(reported.map((total) => total.total)).to.deep.equal([1]);
    expect((await staying.set(channel, 1)).total).to.equal(1);
  });

  it("puts this node's counts back after Redis lost them, and reports the totals", async () => {
    const a = await node();
    const channel = freshCountChannel();
    await a.set(channel, 3);
    // Past the first beats (the very first finds the node missing and puts its counts back too).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const reported: ChannelTotal[] = [];
    a.onChanged((totals) => reported.push(...totals.filter((total) => total.channel === channel)));
    const raw = await connections.connect();
    await raw.run('test', (r) => r.flushall());
    await waitUntil(() => reported.length > 0, 10_000, 'the counts restored');
    expect(reported[0]!.total).to.equal(3);
    const other = await node();
    expect((await other.set(channel, 1)).total).to.equal(4);
  });
});
