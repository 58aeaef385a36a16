/**
 * The scaling scenarios, one after another on one server (restarted in the middle):
 *
 * - max connections: as many WebSockets as the file-descriptor cap allows, one subscription
 *   each; memory per connection and connect rate;
 * - reconnect storm: the server is restarted under `stormConns` subscribed clients, which
 *   come back with the Pushy browser client's backoff and resubscribe; time until all are
 *   back, the new server's CPU meanwhile, and how many gave up;
 * - many channels: `manyChannels` channels with 1-3 subscribers each over the storm's clients;
 *   triggers to distinct channels, triggers/s and latency.
 */
import { freePort, nowUs, serverCpuUs, serverRssBytes, sleep, startLoadgenPool, stop } from '../lib/proc.mjs';
import { SERVERS, startServer } from '../lib/servers.mjs';
import { pool, triggerer } from '../lib/triggers.mjs';
import { latencySummary } from '../lib/stats.mjs';
import { channelName, channelOfTrigger, deliveriesOf } from '../lib/plans.mjs';

async function maxConnections(ctx, loadgen, server, spec, base) {
  const { P, quick } = ctx;
  const rss0 = serverRssBytes(server.pid);
  const t0 = nowUs();
  const opened = await loadgen.connect({ kind: spec.kind, base, count: P.maxConns, localAddresses: ctx.localAddresses, concurrency: 100, allowFailures: true });
  const connectSeconds = (nowUs() - t0) / 1e6;
  if (opened.connected < P.stormConns) throw new Error(`only ${opened.connected} of ${P.maxConns} connections opened (${opened.lastError})`);
  await loadgen.subscribe({ ownPrefix: 'max-' });
  await sleep(quick ? 300 : 2000);
  const rss1 = serverRssBytes(server.pid);
  return {
    asked: P.maxConns,
    connections: opened.connected,
    refused: opened.failed,
    connectSeconds,
    connectsPerSec: opened.connected / connectSeconds,
    rssBeforeBytes: rss0,
    rssAfterBytes: rss1,
    bytesPerConnection: (rss1 - rss0) / opened.connected,
  };
}

/** Restarts the server under the clients; resolves with the new server and the figures. */
async function reconnectStorm(ctx, loadgen, server, name, port) {
  const { P } = ctx;
  await loadgen.trim(P.stormConns);
  // The trimmed clients' closes reach the server before the restart.
  await sleep(ctx.quick ? 200 : 1000);
  await loadgen.reconnect({ maxAttempts: P.stormMaxAttempts });
  const t0 = nowUs();
  await stop(server);
  const stopped = nowUs();
  // Every server is down for the same time (at least), so that the clients' backoff is at the
  // same point when it comes back whatever its shutdown took.
  await sleep(P.stormDownMs - (nowUs() - t0) / 1000);
  const restarted = await startServer(name, port);
  const ready = nowUs();
  const cpu0 = serverCpuUs(restarted.pid);
  const storm = await loadgen.waitReconnected({ timeoutMs: P.stormTimeoutMs });
  const cpu = serverCpuUs(restarted.pid) - cpu0;
  await loadgen.stopReconnecting();
  const settled = storm.settledUs ?? nowUs();
  return {
    server: restarted,
    result: {
      clients: storm.clients,
      back: storm.back,
      gaveUp: storm.gaveUp,
      timedOut: storm.timedOut,
      attempts: storm.attempts,
      clientErrors: storm.clientErrors,
      stopSeconds: (stopped - t0) / 1e6,
      killed: server.signalCode === 'SIGKILL',
      downSeconds: (ready - t0) / 1e6,
      secondsFromRestart: (settled - t0) / 1e6,
      secondsFromReady: (settled - ready) / 1e6,
      cpuSeconds: cpu / 1e6,
    },
  };
}

async function manyChannels(ctx, loadgen, server, send) {
  const { P } = ctx;
  const plan = { channels: P.manyChannels, conns: P.stormConns, prefix: 'many-', triggers: P.manyTriggers };
  const rss0 = serverRssBytes(server.pid);
  const t0 = nowUs();
  const subscribed = (await loadgen.subscribe({ plan })).reduce((sum, part) => sum + part.subscribed, 0);
  const subscribeSeconds = (nowUs() - t0) / 1e6;
  const rss1 = serverRssBytes(server.pid);
  await loadgen.reset({ latency: true });
  const cpu0 = serverCpuUs(server.pid);
  const t1 = nowUs();
  await pool(plan.triggers, 64, (i) => send(channelName(plan, channelOfTrigger(plan, i)), 'many'));
  const done = await loadgen.waitFor({ plan, timeoutMs: 60000 });
  const cpu = serverCpuUs(server.pid) - cpu0;
  const latencies = await loadgen.latencies();
  return {
    channels: plan.channels,
    subscriptions: subscribed,
    subscribeSeconds,
    bytesPerSubscription: (rss1 - rss0) / subscribed,
    triggers: plan.triggers,
    deliveries: done.deliveries,
    expected: deliveriesOf(plan, 0, plan.conns),
    timedOut: done.timedOut,
    clientErrors: done.clientErrors,
    triggersPerSec: plan.triggers / ((done.lastDeliveryUs - t1) / 1e6),
    cpuUsPerTrigger: cpu / plan.triggers,
    ...latencySummary(latencies),
  };
}

/** Runs the three scaling scenarios against server `name`. */
export async function scaleRun(ctx, name) {
  const { log } = ctx;
  const spec = SERVERS[name];
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  log(`${name}: scaling scenarios on ${port}`);
  let server = await startServer(name, port);
  const loadgen = startLoadgenPool(ctx.loadgenScript, ctx.loadgens);
  const send = triggerer(base, spec.secret);
  const result = {};
  try {
    await sleep(500);
    result.maxConnections = await maxConnections(ctx, loadgen, server, spec, base);
    const m = result.maxConnections;
    log(`${name}: ${m.connections} of ${m.asked} connections, ${Math.round(m.connectsPerSec)}/s, ${(m.bytesPerConnection / 1024).toFixed(1)} KiB each with a subscription`);

    const storm = await reconnectStorm(ctx, loadgen, server, name, port);
    server = storm.server;
    result.reconnect = storm.result;
    const r = result.reconnect;
    log(`${name}: reconnect storm: ${r.back} of ${r.clients} back in ${r.secondsFromRestart.toFixed(1)} s (${r.secondsFromReady.toFixed(1)} s after the restart), ${r.cpuSeconds.toFixed(1)} s CPU, ${r.gaveUp} gave up`);

    result.manyChannels = await manyChannels(ctx, loadgen, server, send);
    const c = result.manyChannels;
    log(`${name}: many channels: ${c.subscriptions} subscriptions in ${c.subscribeSeconds.toFixed(1)} s, ${Math.round(c.triggersPerSec)} triggers/s, p99 ${c.p99Ms.toFixed(1)} ms`);
    await loadgen.closeAll();
  } finally {
    send.close();
    await loadgen.close();
    await stop(server);
  }
  return result;
}
