import { expect } from 'chai';
import { createAdapter, type Adapter } from '../../lib/adapter.js';
import { loadConfig } from '../../lib/config.js';
import { signChannel } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { recordLogs } from '../helpers/redis-node.js';
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
