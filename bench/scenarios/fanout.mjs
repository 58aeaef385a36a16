/**
 * Scenarios 1-3, 5 and 6 on one server process: idle memory per WebSocket, burst fan-out,
 * steady fan-out, a channel per connection, and xhr-streaming fan-out.
 */
import { freePort, nowUs, serverCpuUs, serverRssBytes, sleep, startLoadgenPool, stop } from '../lib/proc.mjs';
import { SERVERS, startServer } from '../lib/servers.mjs';
import { pool, triggerer } from '../lib/triggers.mjs';
import { latencySummary } from '../lib/stats.mjs';

/** Fires `count` triggers at once (the agent keeps 8 in flight) and measures the fan-out. */
async function burst(ctx, loadgen, server, send, channel, subscribers, count) {
  await loadgen.reset();
  const cpu0 = serverCpuUs(server.pid);
  const t0 = nowUs();
  await pool(count, count, (i) => send(channel, `burst-${i}`));
  const done = await loadgen.waitFor({ expect: [{ from: 0, to: subscribers, per: count }], timeoutMs: ctx.quick ? 20000 : 90000 });
  const cpu = serverCpuUs(server.pid) - cpu0;
  const seconds = (done.lastDeliveryUs - t0) / 1e6;
  return {
    subscribers,
    events: count,
    deliveries: done.deliveries,
    expected: subscribers * count,
    timedOut: done.timedOut,
    clientErrors: done.clientErrors,
    seconds,
    deliveriesPerSec: done.deliveries / seconds,
    cpuUsPerDelivery: cpu / done.deliveries,
  };
}

/** `rate` events/s for `seconds` to `subscribers` clients on channel `steady`: latency and CPU. */
async function steady(ctx, loadgen, server, send, subscribers) {
  const { P } = ctx;
  await loadgen.reset({ latency: true });
  const events = P.steadyRate * P.steadySeconds;
  const cpu0 = serverCpuUs(server.pid);
  const t0 = Date.now();
  const sends = [];
  for (let k = 0; k < events; k++) {
    const due = t0 + (k * 1000) / P.steadyRate;
    if (due > Date.now()) await sleep(due - Date.now());
    // Settled at once so that a failure waits for the loop to end instead of going unhandled.
    sends.push(send('steady', `steady-${k}`).then(() => undefined, (error) => error));
  }
  const failure = (await Promise.all(sends)).find((outcome) => outcome !== undefined);
  if (failure) throw failure;
  const done = await loadgen.waitFor({ expect: [{ from: 0, to: subscribers, per: events }], timeoutMs: 30000 });
  const cpu = serverCpuUs(server.pid) - cpu0;
  const latencies = await loadgen.latencies();
  return {
    subscribers,
    events,
    ratePerSec: P.steadyRate,
    deliveries: done.deliveries,
    timedOut: done.timedOut,
    clientErrors: done.clientErrors,
    cpuUsPerDelivery: cpu / done.deliveries,
    ...latencySummary(latencies),
  };
}

/** Runs the fan-out scenarios against server `name` (a fresh process). */
export async function fanoutRun(ctx, name) {
  const { P, quick, log } = ctx;
  const spec = SERVERS[name];
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  log(`${name}: starting on ${port}`);
  const server = await startServer(name, port);
  const loadgen = startLoadgenPool(ctx.loadgenScript, ctx.loadgens);
  const send = triggerer(base, spec.secret);
  const result = {};
  try {
    await sleep(500);
    const rss0 = serverRssBytes(server.pid);
    await loadgen.connect({ kind: spec.kind, base, count: P.conns, localAddresses: ctx.localAddresses });
    await sleep(quick ? 300 : 2000);
    const rss1 = serverRssBytes(server.pid);
    result.idle = { connections: P.conns, rssBeforeBytes: rss0, rssAfterBytes: rss1, bytesPerConnection: (rss1 - rss0) / P.conns };
    log(`${name}: ${P.conns} connected, ${(result.idle.bytesPerConnection / 1024).toFixed(1)} KiB each`);

    await loadgen.subscribe({
      groups: [
        { channel: 'burst', from: 0, to: P.burstSubs },
        { channel: 'steady', from: 0, to: P.steadySubs },
      ],
      ownPrefix: 'own-',
    });

    result.burst = await burst(ctx, loadgen, server, send, 'burst', P.burstSubs, P.burstEvents);
    log(`${name}: burst ${Math.round(result.burst.deliveriesPerSec)}/s, ${result.burst.cpuUsPerDelivery.toFixed(2)} us CPU/delivery`);

    result.steady = await steady(ctx, loadgen, server, send, P.steadySubs);
    log(`${name}: steady p50 ${result.steady.p50Ms.toFixed(1)} ms, p99 ${result.steady.p99Ms.toFixed(1)} ms, ${result.steady.cpuUsPerDelivery.toFixed(2)} us CPU/delivery`);

    await loadgen.reset({ latency: true });
    const t1 = nowUs();
    await pool(P.ownTriggers, 64, (i) => send(`own-${i % P.conns}`, 'own'));
    const ownDone = await loadgen.waitFor({ expect: [{ from: 0, to: P.conns, per: P.ownTriggers / P.conns }], timeoutMs: 30000 });
    const ownLatencies = await loadgen.latencies();
    const ownSeconds = (ownDone.lastDeliveryUs - t1) / 1e6;
    result.perChannel = { connections: P.conns, triggers: P.ownTriggers, deliveries: ownDone.deliveries, timedOut: ownDone.timedOut, clientErrors: ownDone.clientErrors, triggersPerSec: ownDone.deliveries / ownSeconds, ...latencySummary(ownLatencies) };
    log(`${name}: per-channel ${Math.round(result.perChannel.triggersPerSec)} triggers/s, p99 ${result.perChannel.p99Ms.toFixed(1)} ms`);
    await loadgen.closeAll();

    if (spec.xhr) {
      await sleep(quick ? 200 : 1000);
      await loadgen.connect({ kind: 'xhr', base, count: P.xhrConns, localAddresses: ctx.localAddresses, concurrency: 100 });
      await loadgen.subscribe({ groups: [{ channel: 'xhr', from: 0, to: P.xhrConns }] });
      result.xhr = await burst(ctx, loadgen, server, send, 'xhr', P.xhrConns, P.xhrEvents);
      log(`${name}: xhr-streaming ${Math.round(result.xhr.deliveriesPerSec)}/s, ${result.xhr.cpuUsPerDelivery.toFixed(2)} us CPU/delivery`);
      await loadgen.closeAll();
    }
  } finally {
    send.close();
    await loadgen.close();
    await stop(server);
  }
  return result;
}

/**
 * The steady scenario alone, on a fresh Pushy started with `config` (e.g. a write delay), to
 * show what a setting costs and buys against the default run.
 */
export async function steadyRun(ctx, name, config) {
  const { P, log } = ctx;
  const spec = SERVERS[name];
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  log(`${name} ${JSON.stringify(config)}: steady fan-out on ${port}`);
  const server = await startServer(name, port, config);
  const loadgen = startLoadgenPool(ctx.loadgenScript, ctx.loadgens);
  const send = triggerer(base, spec.secret);
  try {
    await sleep(500);
    await loadgen.connect({ kind: spec.kind, base, count: P.steadySubs, localAddresses: ctx.localAddresses });
    await loadgen.subscribe({ groups: [{ channel: 'steady', from: 0, to: P.steadySubs }] });
    await sleep(ctx.quick ? 200 : 1000);
    const result = await steady(ctx, loadgen, server, send, P.steadySubs);
    log(`${name} ${JSON.stringify(config)}: steady p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, ${result.cpuUsPerDelivery.toFixed(2)} us CPU/delivery`);
    await loadgen.closeAll();
    return { config, ...result };
  } finally {
    send.close();
    await loadgen.close();
    await stop(server);
  }
}
