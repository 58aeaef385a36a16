import { expect } from 'chai';
import { createAdapter, type Adapter } from '../../lib/adapter.js';
import { loadConfig, type DeepPartial, type PushyConfig } from '../../lib/config.js';
import { silentLogger } from '../../lib/logger.js';
import { TestClient } from '../helpers/client.js';
import { getJson, historyUrl } from '../helpers/history.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { startServer, TEST_SECRET, type TestServer } from '../helpers/server.js';
import { requireService } from '../helpers/services.js';
import { trigger } from '../helpers/trigger.js';
import { cannotRecover, recoversMissedEvents, recoversWhilePublishing } from './recovery-scenarios.js';

/** One Pushy node on the shared Redis: its server and its adapter (Redis clients). */
interface Node extends TestServer {
  adapter: Adapter;
}

describe('e2e: recovery on a Redis cluster of two nodes', () => {
  let redis: RedisServer;
  let nodes: Node[] = [];

  async function startNode(url: string): Promise<Node> {
    const overrides: DeepPartial<PushyConfig> = {
      adapter: { type: 'redis', url, keyPrefix: `pushy-e2e-${process.pid}:` },
      history: { size: 100, ttl: 300, rules: [{ match: 'small-*', size: 10, ttl: 300 }] },
    };
    const config = loadConfig({ env: {}, overrides });
    const adapter = await createAdapter(config, silentLogger);
    const { broker, presence, history, idempotency } = adapter;
    const server = await startServer(overrides, { broker, presence, history, idempotency });
    return {
      ...server,
      adapter,
      close: async () => {
        await server.close();
        await adapter.close();
      },
    };
  }

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
    nodes = [await startNode(redis.url), await startNode(redis.url)];
  });
  after(async () => {
    for (const node of nodes) await node.close();
    await redis?.destroy();
  });

  it('every node sends the same offset for an event', async () => {
    const [a, b] = [await TestClient.connect(nodes[0]!.url), await TestClient.connect(nodes[1]!.url)];
    const successA = await a.subscribe('same-offset');
    const successB = await b.subscribe('same-offset');
    expect(successB.data).to.include({ offset: successA.data.offset, epoch: successA.data.epoch });
    for (let n = 0; n < 5; n += 1) await trigger(nodes[n % 2]!.url, 'same-offset', 'msg', { n }, { secret: TEST_SECRET });
    await a.next('msg', (f) => f.data.n === 4);
    await b.next('msg', (f) => f.data.n === 4);
    const offsets = (c: TestClient) => c.events('msg').map((f) => f.offset);
    expect(offsets(a)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(offsets(b)).to.deep.equal(offsets(a));
    await Promise.all([a.close(), b.close()]);
  });

  it('a client that missed 50 events recovers them on the same node', async () => {
    await recoversMissedEvents(nodes[0]!, nodes[0]!, 'chat-same-node');
  });

  it('a client that reconnects to another node recovers the same way', async () => {
    await recoversMissedEvents(nodes[0]!, nodes[1]!, 'chat-other-node');
  });

  it('loses and doubles nothing while another node publishes during the resubscribe', async () => {
    await recoversWhilePublishing(nodes[0]!, nodes[1]!, 'busy-cluster');
  });

  it('answers recovered: false past the history size or with another epoch', async () => {
    await cannotRecover(nodes[1]!, 'small-cluster', 10);
  });

  it('answers recovered: false once Redis lost the history (new epoch), and live events still arrive', async () => {
    const client = await TestClient.connect(nodes[0]!.url);
    const success = await client.subscribe('flushed');
    await trigger(nodes[0]!.url, 'flushed', 'msg', { n: 1 }, { secret: TEST_SECRET });
    const got = await client.next('msg');
    await client.close();
    await nodes[0]!.adapter.redis!.commands.del(nodes[0]!.adapter.redis!.key('history', '{flushed}', 'meta'));

    const back = await TestClient.connect(nodes[1]!.url);
    const outcome = await back.subscribe('flushed', { since: { offset: got.offset, epoch: success.data.epoch } });
    expect(outcome.data.recovered).to.equal(false);
    expect(outcome.data.epoch).to.not.equal(success.data.epoch);
    await trigger(nodes[0]!.url, 'flushed', 'msg', { n: 2 }, { secret: TEST_SECRET });
    expect((await back.next('msg', (f) => f.data.n === 2)).offset).to.equal(1);
    await back.close();
  });

  it('the HTTP history of one node returns what was triggered on the other', async () => {
    for (let n = 1; n <= 3; n += 1) await trigger(nodes[0]!.url, 'http-feed', 'item', { n }, { secret: TEST_SECRET });
    const { status, body } = await getJson(historyUrl({ baseUrl: nodes[1]!.url, channel: 'http-feed', secret: TEST_SECRET, since: 1 }));
    expect(status).to.equal(200);
    expect(body).to.include({ offset: 3, complete: true });
    expect(body.events.map((e: { data: { n: number } }) => e.data.n)).to.deep.equal([2, 3]);
  });

  it('an idempotency_key retried on another node publishes once', async () => {
    const client = await TestClient.connect(nodes[1]!.url);
    await client.subscribe('orders-cluster');
    const send = (node: Node, key: string, n: number) =>
      trigger(node.url, 'orders-cluster', 'order', { n }, { secret: TEST_SECRET, extraParams: { idempotency_key: key } });
    expect((await send(nodes[0]!, 'o-1', 1)).status).to.equal(201);
    expect((await send(nodes[1]!, 'o-1', 1)).status).to.equal(201);
    expect((await send(nodes[1]!, 'o-2', 2)).status).to.equal(201);
    await client.next('order', (f) => f.data.n === 2);
    expect(client.events('order').map((f) => [f.data.n, f.offset])).to.deep.equal([
      [1, 1],
      [2, 2],
    ]);
    await client.close();
  });
});
