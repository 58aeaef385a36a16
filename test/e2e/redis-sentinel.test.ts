import { expect } from 'chai';
import { TestClient } from '../helpers/client.js';
import { expectRecoveredAcrossFailover } from '../helpers/history.js';
import { startRedisNode, type RedisTestNode } from '../helpers/redis-node.js';
import { RedisSentinelSet, REDIS_TOOLS_AVAILABLE } from '../helpers/redis-topologies.js';
import { TEST_SECRET } from '../helpers/server.js';
import { requireService } from '../helpers/services.js';
import { trigger } from '../helpers/trigger.js';

describe('e2e: two nodes on a Sentinel-managed Redis across a failover', () => {
  let set: RedisSentinelSet;
  let nodes: RedisTestNode[] = [];

  before(async function () {
    this.timeout(60000);
    requireService(this, 'redis-server and redis-cli', REDIS_TOOLS_AVAILABLE);
    set = await RedisSentinelSet.create();
    const overrides = {
      adapter: { redis: { sentinels: set.sentinelAddresses, name: set.name }, commandTimeout: 500, maxReconnectDelay: 200 },
      history: { size: 1000, ttl: 300 },
    };
    // The URL's host and port are not used with sentinels: a wrong one proves it.
    nodes = [await startRedisNode('redis://127.0.0.1:1', overrides), await startRedisNode('redis://127.0.0.1:1', overrides)];
  });
  after(async () => {
    for (const node of nodes) await node.close();
    await set?.destroy();
  });

  it('finds the primary through the sentinels, follows the promotion without a restart, answers 201 or 503 meanwhile, and loses nothing for recovering clients', async function () {
    this.timeout(60000);
    const [a, b] = nodes as [RedisTestNode, RedisTestNode];
    const live = await TestClient.connect(b.url);
    await live.subscribe('failover');
    const leaving = await TestClient.connect(b.url);
    const subscribed = await leaving.subscribe('failover');
    for (let n = 0; n < 3; n += 1) expect((await trigger(a.url, 'failover', 'msg', { n }, { secret: TEST_SECRET })).status).to.equal(201);
    const last = await leaving.next('msg', (f) => f.data.n === 2);
    await live.next('msg', (f) => f.data.n === 2);
    await leaving.close();

    // Triggers keep going while the primary dies and the replica is promoted: each answers.
    const answers: Array<{ n: number; status: number }> = [];
    let failedOver = false;
    let n = 3;
    await set.killPrimary();
    const failover = set.waitForFailover();
    while (!failedOver) {
      const answer = await trigger(a.url, 'failover', 'msg', { n }, { secret: TEST_SECRET });
      answers.push({ n, status: answer.status });
      n += 1;
      failedOver = await Promise.race([failover.then(() => true), new Promise<boolean>((resolve) => setImmediate(() => resolve(false)))]);
    }
    await failover;
    // After the promotion the service resumes without a restart (ioredis reconnects to the new primary).
    for (;;) {
      const answer = await trigger(a.url, 'failover', 'msg', { n }, { secret: TEST_SECRET });
      answers.push({ n, status: answer.status });
      n += 1;
      if (answer.status === 201) break;
    }
    for (let i = 0; i < 5; i += 1, n += 1) {
      const answer = await trigger(a.url, 'failover', 'msg', { n }, { secret: TEST_SECRET });
      answers.push({ n, status: answer.status });
      expect(answer.status).to.equal(201);
    }
    // Each answered: published (201; or 200 while the other node was still resubscribing on the
    // new primary, so that nobody heard it live: it is in history all the same) or 503.
    for (const answer of answers) expect(answer.status).to.be.oneOf([200, 201, 503]);
    expect(answers.some((answer) => answer.status === 503)).to.equal(true);
    const published = answers.filter((answer) => answer.status !== 503).map((answer) => answer.n);

    // The node that kept its client resubscribed on the new primary: a live event gets through.
    await live.next('msg', (f) => f.data.n === n - 1);

    // A client back with `since` recovers every event published after the failover, in order.
    const back = await TestClient.connect(b.url);
    const from = back.frames.length;
    const success = await back.subscribe('failover', { since: { offset: last.offset, epoch: subscribed.data.epoch } });
    expect(success.data.recovered).to.equal(true);
    await back.next('msg', (f) => f.data.n === n - 1);
    const recovered = back.frames.slice(from).filter((f) => f.event === 'msg');
    const numbers = recovered.map((f) => f.data.n as number);
    // A 503 ("try again") may also have been stored before its publish failed.
    expectRecoveredAcrossFailover(numbers, published);
    expect(recovered.map((f) => f.offset)).to.deep.equal(recovered.map((_, i) => (last.offset as number) + 1 + i));
    await Promise.all([live.close(), back.close()]);
  });
});
