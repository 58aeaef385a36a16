import { expect } from 'chai';
import { channelKey } from '../../lib/apps/namespace.js';
import { slotGroupTags } from '../../lib/shards/cluster-slots.js';
import { HashRing } from '../../lib/shards/hash-ring.js';
import { TestClient } from '../helpers/client.js';
import { expectRecoveredAcrossFailover } from '../helpers/history.js';
import { startRedisNode, type RedisTestNode } from '../helpers/redis-node.js';
import { RedisClusterSet, REDIS_TOOLS_AVAILABLE } from '../helpers/redis-topologies.js';
import { TEST_SECRET } from '../helpers/server.js';
import { requireService } from '../helpers/services.js';
import { trigger } from '../helpers/trigger.js';

describe('e2e: two nodes on a Redis Cluster with replicas across a primary failover', function () {
  this.timeout(60000);
  let set: RedisClusterSet;
  let nodes: RedisTestNode[] = [];

  before(async function () {
    requireService(this, 'redis-server and redis-cli', REDIS_TOOLS_AVAILABLE);
    set = await RedisClusterSet.create(3, 1);
    const overrides = { adapter: { redis: { cluster: set.addresses }, commandTimeout: 500, maxReconnectDelay: 200 }, history: { size: 1000, ttl: 300 } };
    // The URL's host and port are not used with a cluster.
    nodes = [await startRedisNode('redis://127.0.0.1:1', overrides), await startRedisNode('redis://127.0.0.1:1', overrides)];
  });
  after(async () => {
    for (const node of nodes) await node.close();
    await set?.destroy();
  });

  it("follows the promotion of the channel's primary's replica without a restart, answers 201 or 503 meanwhile, and loses nothing for recovering clients", async () => {
    const [a, b] = nodes as [RedisTestNode, RedisTestNode];
    const tags = slotGroupTags();
    const channel = 'cluster-failover';
    const tag = tags[new HashRing(tags).shardOf(channelKey(undefined, channel))]!;
    const live = await TestClient.connect(b.url);
    await live.subscribe(channel);
    const leaving = await TestClient.connect(b.url);
    const subscribed = await leaving.subscribe(channel);
    for (let n = 0; n < 3; n += 1) expect((await trigger(a.url, channel, 'msg', { n }, { secret: TEST_SECRET })).status).to.equal(201);
    const last = await leaving.next('msg', (f) => f.data.n === 2);
    await live.next('msg', (f) => f.data.n === 2);
    await leaving.close();

    const answers: Array<{ n: number; status: number }> = [];
    let failedOver = false;
    let n = 3;
    await set.killPrimaryOf(`{${tag}}`);
    const failover = set.waitForPromotion(`{${tag}}`);
    while (!failedOver) {
      answers.push({ n, status: (await trigger(a.url, channel, 'msg', { n }, { secret: TEST_SECRET })).status });
      n += 1;
      failedOver = await Promise.race([failover.then(() => true), new Promise<boolean>((resolve) => setImmediate(() => resolve(false)))]);
    }
    await failover;
    for (;;) {
      const answer = await trigger(a.url, channel, 'msg', { n }, { secret: TEST_SECRET });
      answers.push({ n, status: answer.status });
      n += 1;
      if (answer.status === 201) break;
    }
    for (let i = 0; i < 5; i += 1, n += 1) {
      const answer = await trigger(a.url, channel, 'msg', { n }, { secret: TEST_SECRET });
      answers.push({ n, status: answer.status });
      expect(answer.status).to.equal(201);
    }
    for (const answer of answers) expect(answer.status).to.be.oneOf([201, 503]);
    const published = answers.filter((answer) => answer.status === 201).map((answer) => answer.n);

    await live.next('msg', (f) => f.data.n === n - 1);

    const back = await TestClient.connect(b.url);
    const from = back.frames.length;
    const success = await back.subscribe(channel, { since: { offset: last.offset, epoch: subscribed.data.epoch } });
    expect(success.data.recovered).to.equal(true);
    await back.next('msg', (f) => f.data.n === n - 1);
    const recovered = back.frames.slice(from).filter((f) => f.event === 'msg');
    const numbers = recovered.map((f) => f.data.n as number);
    expectRecoveredAcrossFailover(numbers, published);
    expect(recovered.map((f) => f.offset)).to.deep.equal(recovered.map((_, i) => (last.offset as number) + 1 + i));
    await Promise.all([live.close(), back.close()]);
  });
});
