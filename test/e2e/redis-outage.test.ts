import { expect } from 'chai';
import { createAdapter, type Adapter } from '../../lib/adapter.js';
import { loadConfig } from '../../lib/config.js';
import { signChannel } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { basicAuth, request } from '../helpers/http.js';
import { metric, scrape } from '../helpers/metrics.js';
import { recordLogs, startRedisNode, type RedisTestNode } from '../helpers/redis-node.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { requireService } from '../helpers/services.js';
import { trigger } from '../helpers/trigger.js';

describe('e2e: one node while its Redis is away', () => {
  let redis: RedisServer;
  let adapter: Adapter;
  let srv: TestServer;
  const log = recordLogs();

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
    const config = loadConfig({
      env: {},
      overrides: { adapter: { type: 'redis', url: redis.url, keyPrefix: `outage-${process.pid}:`, commandTimeout: 500, maxReconnectDelay: 100, heartbeatInterval: 200, nodeTimeout: 1000 } },
    });
    adapter = await createAdapter(config, log.logger);
    srv = await startServer({ adapter: config.adapter }, { broker: adapter.broker, presence: adapter.presence, logger: log.logger });
  });
  after(async () => {
    await srv?.close();
    await adapter?.close();
    await redis?.destroy();
  });

  it('keeps its sockets and local delivery, answers triggers 503 with a JSON error, refuses presence joins clearly, and catches up when Redis is back', async () => {
    const client = await TestClient.connect(srv.url);
    await client.subscribe('kept');
    await redis.stop();
    await log.waitFor(/WARN redis connection lost/);

    const answer = await trigger(srv.url, 'kept', 'local-only', { n: 1 }, { secret: srv.secret });
    expect(answer.status).to.equal(503);
    expect(answer.body).to.deep.equal({
      error: { code: '503', name: 'UNAVAILABLE', message: "Redis is unavailable: the event reached only this node's subscribers, not the other nodes'; try again later" },
    });
    // Local delivery keeps working.
    expect((await client.next('local-only')).data).to.deep.equal({ n: 1 });

    // A public subscription made meanwhile is remembered and sent to Redis on reconnect.
    expect((await client.subscribe('made-during-outage')).event).to.equal('pushy:subscription-success');
    const data = JSON.stringify({ id: 'u1' });
    const auth = signChannel({ socketId: client.socketId, channel: 'presence-lobby', presenceData: data, secretKey: srv.secret });
    const refused = await client.subscribe('presence-lobby', { auth, data });
    expect(refused.event).to.equal('pushy:error');
    expect(refused.data.code).to.equal('503');
    expect(client.closed).to.equal(false);
    expect(srv.server.channels.channelNames().sort()).to.deep.equal(['kept', 'made-during-outage']);

    await redis.start();
    expect(await adapter.redis!.waitUntilReady(10000)).to.equal(true);
    // Subscriptions are restored right after 'ready'; the log line says when.
    await log.waitFor(/redis broker: subscribed to channels.*"channels":2/);
    expect((await trigger(srv.url, 'made-during-outage', 'back', { n: 2 }, { secret: srv.secret })).status).to.equal(201);
    expect((await client.next('back')).data).to.deep.equal({ n: 2 });
    const joined = await client.subscribe('presence-lobby', { auth, data });
    expect(joined.event).to.equal('pushy:subscription-success');
    expect(client.events('local-only')).to.have.length(1);
    await client.close();
  });
});

describe('e2e: readiness and subscribes of a node whose Redis (history included) is away', () => {
  const ADMIN = { username: 'ops', password: 'outage-password' };
  let redis: RedisServer;
  let node: RedisTestNode;
  const log = recordLogs();

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
    node = await startRedisNode(
      redis.url,
      { admin: ADMIN, adapter: { keyPrefix: 'ready:', commandTimeout: 500, maxReconnectDelay: 100, heartbeatInterval: 200, nodeTimeout: 1000 } },
      log.logger,
    );
  });
  afterEach(async () => {
    // Each test ends with Redis up, whatever it checked.
    await redis.start();
    expect(await node.adapter.redis!.waitUntilReady(10_000)).to.equal(true);
  });
  after(async () => {
    await node?.close();
    await redis?.destroy();
  });

  /** Readiness as the probe, the metrics and the admin API report it. */
  async function readiness(): Promise<{ probe: number; broker: string; metric: number | undefined; admin: { ready: boolean; state: string } }> {
    const probe = await request(`${node.url}/pushy/ready`);
    const samples = await scrape(`${node.url}/metrics`);
    const stats = await request(`${node.url}/pushy/admin/api/stats`, { headers: { authorization: basicAuth(ADMIN.username, ADMIN.password) } });
    return { probe: probe.status, broker: probe.body.checks.broker, metric: metric(samples, 'pushy_broker_ready'), admin: stats.body.node.broker };
  }

  it('says not ready on /pushy/ready, pushy_broker_ready and the admin API while Redis is away, and ready once it is back', async () => {
    expect(await readiness()).to.deep.equal({ probe: 200, broker: 'ready', metric: 1, admin: { ready: true, state: 'ready' } });
    const mark = log.lines.length;
    await redis.stop();
    await log.waitFor(/WARN redis connection lost/, mark);
    expect(await readiness()).to.deep.equal({ probe: 503, broker: 'reconnecting', metric: 0, admin: { ready: false, state: 'reconnecting' } });
    // The probe's answer says why.
    expect((await request(`${node.url}/pushy/ready`)).body.error).to.deep.equal({ code: '503', name: 'UNAVAILABLE', message: 'Broker not connected' });

    await redis.start();
    await log.waitFor(/redis broker: subscribed to channels/, mark);
    expect(await readiness()).to.deep.equal({ probe: 200, broker: 'ready', metric: 1, admin: { ready: true, state: 'ready' } });
  });

  it('subscribes without an offset (recovered: false after a since) while the history is away, and with one once it is back', async () => {
    const client = await TestClient.connect(node.url);
    await trigger(node.url, 'outage-feed', 'msg', { n: 1 }, { secret: node.secret });
    const before = await client.subscribe('outage-feed');
    expect(before.data).to.include({ offset: 1 });
    const mark = log.lines.length;
    await redis.stop();
    await log.waitFor(/WARN redis connection lost/, mark);

    const plain = await client.subscribe('outage-new');
    expect(plain.event).to.equal('pushy:subscription-success');
    expect(plain.data).to.not.have.any.keys('offset', 'epoch', 'recovered');
    const other = await TestClient.connect(node.url);
    const resumed = await other.subscribe('outage-feed', { since: { offset: 1, epoch: before.data.epoch } });
    expect(resumed.event).to.equal('pushy:subscription-success');
    expect(resumed.data).to.include({ recovered: false });
    expect(resumed.data).to.not.have.any.keys('offset', 'epoch');
    // Local delivery to both still works (the trigger says 503: not to the other nodes).
    expect((await trigger(node.url, 'outage-feed', 'msg', { n: 2 }, { secret: node.secret })).status).to.equal(503);
    expect((await other.next('msg', (f) => f.data.n === 2)).data).to.deep.equal({ n: 2 });

    await redis.start();
    await log.waitFor(/redis broker: subscribed to channels/, mark);
    const back = await TestClient.connect(node.url);
    const after = await back.subscribe('outage-feed', { since: { offset: 1, epoch: before.data.epoch } });
    // Redis came back empty (no persistence): the history is gone, and that is said.
    expect(after.data).to.include({ recovered: false, offset: 0 });
    expect(after.data.epoch).to.be.a('string');
    await Promise.all([client.close(), other.close(), back.close()]);
  });
});
