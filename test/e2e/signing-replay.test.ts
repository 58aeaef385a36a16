import { expect } from 'chai';
import { historyUrlV3, triggerUrlV3 } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { getJson } from '../helpers/history.js';
import { request } from '../helpers/http.js';
import { NodeProcess } from '../helpers/node-process.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { requireService } from '../helpers/services.js';
import { post, trigger } from '../helpers/trigger.js';

/** Triggers a marker and waits for it: every event triggered before it has arrived by then. */
async function settle(client: TestClient, baseUrl: string, secret: string, channel: string): Promise<void> {
  const marker = `marker-${Math.random()}`;
  await trigger(baseUrl, channel, marker, {}, { secret });
  await client.next(marker);
}

describe('e2e: a v3 signature is good for one request (replays refused)', () => {
  let srv: TestServer;
  let client: TestClient;
  before(async () => {
    srv = await startServer();
    client = await TestClient.connect(srv.url, 'websocket');
    await client.subscribe('orders');
  });
  after(async () => {
    await client.close();
    await srv.close();
  });

  it('refuses a captured v3 trigger sent again with 409 "409"; the event is published once', async () => {
    const body = '{"order":1}';
    const url = triggerUrlV3({ baseUrl: srv.url, channel: 'orders', event: 'placed', body, secretKey: srv.secret });
    expect((await post(url, body)).status).to.equal(201);
    const replay = await post(url, body);
    expect(replay.status).to.equal(409);
    expect(replay.body).to.deep.equal({ error: { code: '409', name: 'SIGNATURE_REPLAYED', message: 'Signature already used: sign every request anew (a new auth_timestamp or auth_nonce)' } });
    // With a socket_id added, a replay is no longer even the signed request.
    expect((await post(`${url}&socket_id=${client.socketId}`, body)).status).to.equal(403);
    await settle(client, srv.url, srv.secret, 'orders');
    expect(client.events('placed').map((f) => f.data)).to.deep.equal([{ order: 1 }]);
  });

  it('answers a v3 trigger sent again with its idempotency_key as the repeat it is (no publish, no 409)', async () => {
    const body = '{"order":2}';
    const url = triggerUrlV3({ baseUrl: srv.url, channel: 'orders', event: 'paid', body, secretKey: srv.secret, idempotencyKey: 'order-2' });
    expect((await post(url, body)).status).to.equal(201);
    const retry = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(retry.status).to.equal(201);
    expect(retry.headers.get('idempotent-replayed')).to.equal('true');
    await settle(client, srv.url, srv.secret, 'orders');
    expect(client.events('paid').map((f) => f.data)).to.deep.equal([{ order: 2 }]);
  });

  it('refuses a v3 history read sent again with 409', async () => {
    const url = historyUrlV3({ baseUrl: srv.url, channel: 'orders', secretKey: srv.secret });
    expect((await getJson(url)).status).to.equal(200);
    const again = await getJson(url);
    expect(again.status).to.equal(409);
    expect(again.body.error.code).to.equal('409');
  });

  it('a refused request does not use up its signature: the same one, once right, is taken', async () => {
    const body = '{"order":3}';
    const url = triggerUrlV3({ baseUrl: srv.url, channel: 'orders', event: 'late', body, secretKey: srv.secret });
    expect((await post(url, '{"order":4}')).status).to.equal(403);
    expect((await post(url, body)).status).to.equal(201);
  });
});

describe('e2e: v3 replays are refused cluster-wide on Redis (two pushy-server processes)', function () {
  this.timeout(30000);
  const SECRET = 'replay-secret';
  let redis: RedisServer;
  let nodes: NodeProcess[] = [];
  let client: TestClient | undefined;

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
    const config = {
      port: 0,
      host: '127.0.0.1',
      secretKey: SECRET,
      logLevel: 'info',
      adapter: { type: 'redis', url: redis.url, keyPrefix: `replay-${process.pid}:`, commandTimeout: 1000, maxReconnectDelay: 200 },
    };
    nodes = await Promise.all(['node-a', 'node-b'].map((name) => NodeProcess.start(name, config)));
  });
  after(async () => {
    await client?.close();
    await Promise.all(nodes.map((node) => node.kill('SIGTERM')));
    await redis?.destroy();
  });

  it('a v3 trigger taken by one node is refused by the other; the event is published once', async () => {
    const [a, b] = nodes as [NodeProcess, NodeProcess];
    client = await TestClient.connect(b.url, 'websocket');
    await client.subscribe('cluster-orders');
    const body = '{"n":1}';
    const url = triggerUrlV3({ baseUrl: a.url, channel: 'cluster-orders', event: 'placed', body, secretKey: SECRET });
    expect((await post(url, body)).status).to.equal(201);
    const replay = await post(url.replace(a.url, b.url), body);
    expect(replay.status).to.equal(409);
    expect(replay.body.error.code).to.equal('409');
    await settle(client, a.url, SECRET, 'cluster-orders');
    expect(client.events('placed').map((f) => f.data)).to.deep.equal([{ n: 1 }]);
  });
});
