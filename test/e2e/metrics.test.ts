import { expect } from 'chai';
import { signChannel } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { eventually, request } from '../helpers/http.js';
import { metric, parseMetrics, scrape } from '../helpers/metrics.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

describe('e2e: Prometheus metrics', () => {
  let srv: TestServer;
  const clients: TestClient[] = [];
  beforeEach(async () => {
    srv = await startServer();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await srv.close();
  });

  it('serves the text format at /metrics by default, process metrics included', async () => {
    const response = await fetch(`${srv.url}/metrics`);
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    const samples = parseMetrics(await response.text());
    expect(metric(samples, 'process_cpu_user_seconds_total')).to.be.a('number');
    expect(metric(samples, 'nodejs_eventloop_lag_seconds')).to.be.a('number');
    expect(metric(samples, 'pushy_broker_ready')).to.equal(1);
    expect(metric(samples, 'pushy_broker_state', { state: 'ready' })).to.equal(1);
    expect(metric(samples, 'pushy_connections', { transport: 'websocket' })).to.equal(0);
    expect(metric(samples, 'pushy_events_triggered_total')).to.equal(0);
  });

  it('counts connections, subscriptions, channels, members, events, frames and errors as they happen', async () => {
    const a = await TestClient.connect(srv.url, 'websocket');
    const b = await TestClient.connect(srv.url, 'xhr-streaming');
    clients.push(a, b);
    expect((await a.subscribe('news')).event).to.equal('pushy:subscription-success');
    expect((await b.subscribe('news')).event).to.equal('pushy:subscription-success');
    const data = JSON.stringify({ id: 'u1', name: 'Ann' });
    const auth = signChannel({ socketId: a.socketId, channel: 'presence-room', presenceData: data, secretKey: srv.secret });
    expect((await a.subscribe('presence-room', { auth, data })).event).to.equal('pushy:subscription-success');

    let samples = await scrape(`${srv.url}/metrics`);
    expect(metric(samples, 'pushy_connections', { transport: 'websocket' })).to.equal(1);
    expect(metric(samples, 'pushy_connections', { transport: 'xhr-streaming' })).to.equal(1);
    expect(metric(samples, 'pushy_connections_opened_total')).to.equal(2);
    expect(metric(samples, 'pushy_subscriptions')).to.equal(3);
    expect(metric(samples, 'pushy_channels', { kind: 'public' })).to.equal(1);
    expect(metric(samples, 'pushy_channels', { kind: 'presence' })).to.equal(1);
    expect(metric(samples, 'pushy_channels', { kind: 'private' })).to.equal(0);
    expect(metric(samples, 'pushy_presence_members')).to.equal(1);
    expect(metric(samples, 'pushy_frames_total', { direction: 'in' })).to.equal(3);
    const framesOutBefore = metric(samples, 'pushy_frames_total', { direction: 'out' })!;

    expect((await trigger(srv.url, 'news', 'story', { n: 1 }, { secret: srv.secret })).status).to.equal(201);
    await Promise.all([a.next('story'), b.next('story')]);
    expect((await trigger(srv.url, 'nobody-here', 'story', {}, { secret: srv.secret })).status).to.equal(200);
    a.sendRaw('not json');
    await a.next('pushy:error', (f) => f.data.code === '100');
    const refused = await trigger(srv.url, 'news', 'story', {}, { secret: 'wrong-secret' });
    expect(refused.status).to.equal(403);

    samples = await scrape(`${srv.url}/metrics`);
    expect(metric(samples, 'pushy_events_triggered_total')).to.equal(2);
    expect(metric(samples, 'pushy_events_delivered_total')).to.equal(2);
    expect(metric(samples, 'pushy_frames_total', { direction: 'in' })).to.equal(4);
    // Two story frames and one error frame left since the last scrape.
    expect(metric(samples, 'pushy_frames_total', { direction: 'out' })).to.equal(framesOutBefore + 3);
    expect(metric(samples, 'pushy_errors_total', { source: 'socket', code: '100' })).to.equal(1);
    expect(metric(samples, 'pushy_errors_total', { source: 'http', code: '403' })).to.equal(1);
    expect(metric(samples, 'pushy_trigger_duration_seconds_count', { status: '201' })).to.equal(1);
    expect(metric(samples, 'pushy_trigger_duration_seconds_count', { status: '200' })).to.equal(1);
    expect(metric(samples, 'pushy_trigger_duration_seconds_count', { status: '403' })).to.equal(1);
    expect(metric(samples, 'pushy_trigger_duration_seconds_bucket', { status: '201', le: '+Inf' })).to.equal(1);

    await a.close();
    await eventually(async () => {
      const after = await scrape(`${srv.url}/metrics`);
      expect(metric(after, 'pushy_connections', { transport: 'websocket' })).to.equal(0);
      expect(metric(after, 'pushy_presence_members')).to.equal(0);
      expect(metric(after, 'pushy_subscriptions')).to.equal(1);
      expect(metric(after, 'pushy_channels', { kind: 'presence' })).to.equal(0);
    });
  });

  it('keeps the metrics of two servers in one process apart', async () => {
    const other = await startServer();
    try {
      const client = await TestClient.connect(other.url, 'websocket');
      clients.push(client);
      await client.subscribe('news');
      await trigger(other.url, 'news', 'story', {}, { secret: other.secret });
      await client.next('story');
      const mine = await scrape(`${srv.url}/metrics`);
      const theirs = await scrape(`${other.url}/metrics`);
      expect(metric(mine, 'pushy_events_triggered_total')).to.equal(0);
      expect(metric(theirs, 'pushy_events_triggered_total')).to.equal(1);
      expect(metric(theirs, 'pushy_events_delivered_total')).to.equal(1);
      expect(metric(mine, 'pushy_broker_state')).to.equal(1);
    } finally {
      await other.close();
    }
  });

  it('serves at a configured path, and not at all when disabled', async () => {
    const custom = await startServer({ metrics: { path: '/internal/prometheus' } });
    const disabled = await startServer({ metrics: { enabled: false } });
    try {
      expect((await request(`${custom.url}/internal/prometheus`)).status).to.equal(200);
      expect((await request(`${custom.url}/metrics`)).status).to.equal(404);
      const off = await request(`${disabled.url}/metrics`);
      expect(off.status).to.equal(404);
      expect(off.body).to.deep.equal({ error: { code: '404', name: 'NOT_FOUND', message: 'Not found' } });
    } finally {
      await Promise.all([custom.close(), disabled.close()]);
    }
  });

  it('with metrics.token, serves only a scrape that sends it as a Bearer token (401 otherwise)', async () => {
    const guarded = await startServer({ metrics: { token: 'scrape-secret-1' } });
    try {
      for (const authorization of [undefined, 'Bearer wrong', 'Bearer scrape-secret-', 'Bearer scrape-secret-12', 'Basic c2NyYXBlLXNlY3JldC0x', 'scrape-secret-1']) {
        const refused = await request(`${guarded.url}/metrics`, { headers: authorization ? { authorization } : {} });
        expect(refused.status, authorization).to.equal(401);
        expect(refused.body).to.deep.equal({ error: { code: '401', name: 'METRICS_UNAUTHORIZED', message: 'Metrics token required' } });
        expect(refused.headers.get('www-authenticate')).to.equal('Bearer realm="Pushy metrics"');
        expect(refused.text).to.not.contain('scrape-secret-1');
      }
      const ok = await request(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer scrape-secret-1' } });
      expect(ok.status).to.equal(200);
      expect(metric(parseMetrics(ok.text), 'pushy_broker_ready')).to.equal(1);
      // The other routes are not affected.
      expect((await request(`${guarded.url}/pushy/health`)).status).to.equal(200);
    } finally {
      await guarded.close();
    }
  });
});
