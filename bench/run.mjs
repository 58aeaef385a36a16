#!/usr/bin/env node
/**
 * `npm run bench [-- --quick] [--out <dir>] [--only pushy,sockjs,...|triggers]`: runs every scenario
 * against the built Pushy server and the baselines (plain sockjs, naive ws, socket.io, bare http),
 * each server in its own process, the clients in two others (bench/lib/loadgen.mjs). Prints a
 * table, writes <out>/latest.json and <out>/latest.svg.
 */
import { mkdirSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { cpuUs, freePort, nowUs, rssBytes, sleep, spawnNode, startLoadgenPool, startServerProcess, stop } from './lib/proc.mjs';
import { pool, triggerer } from './lib/triggers.mjs';
import { latencySummary } from './lib/stats.mjs';
import { buildRows, renderSvg, renderTable } from './lib/report.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const outDir = path.resolve(argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : path.join(here, 'results'));
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : undefined;
const SECRET = 'bench-secret';

const P = quick
  ? { conns: 200, burstSubs: 100, burstEvents: 20, steadySubs: 200, steadyRate: 10, steadySeconds: 1, ownTriggers: 200, triggerRequests: 500, triggerConcurrency: 16, xhrConns: 50, xhrEvents: 20 }
  : { conns: 10000, burstSubs: 5000, burstEvents: 100, steadySubs: 10000, steadyRate: 10, steadySeconds: 10, ownTriggers: 10000, triggerRequests: 20000, triggerConcurrency: 32, xhrConns: 1000, xhrEvents: 50 };
// PUSHY_BENCH_PARAMS: JSON overriding any of these, for experiments.
Object.assign(P, JSON.parse(process.env.PUSHY_BENCH_PARAMS ?? '{}'));
// Client sockets are spread over several loopback source addresses so that 10,000 of them
// (times several servers in one run) never run short of ephemeral ports.
const LOCAL_ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 1}`);
const LOADGEN = path.join(here, 'lib', 'loadgen.mjs');
// Client processes per server: two, so that reading 10,000 sockets can use both cores.
const LOADGENS = argv.includes('--loadgens') ? Number(argv[argv.indexOf('--loadgens') + 1]) : 2;

const FANOUT_SERVERS = {
  pushy: { kind: 'sockjs', secret: SECRET, xhr: true, start: startPushy },
  sockjs: { kind: 'sockjs', xhr: true, start: (port) => startBaseline('sockjs-server.mjs', port) },
  ws: { kind: 'ws', start: (port) => startBaseline('ws-server.mjs', port) },
  socketio: { kind: 'socketio', start: (port) => startBaseline('socketio-server.mjs', port) },
};

function log(message) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

let configDir;
async function startPushy(port) {
  configDir ??= mkdtempSync(path.join(os.tmpdir(), 'pushy-bench-'));
  const file = path.join(configDir, `config-${port}.json`);
  writeFileSync(file, JSON.stringify({ port, host: '0.0.0.0', secretKey: SECRET, logLevel: 'warn' }));
  const profile = process.env.PUSHY_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PUSHY_BENCH_CPU_PROF}`] : [];
  // PUSHY_BENCH_SERVER: another build's entry point, to compare before/after a change.
  const entry = process.env.PUSHY_BENCH_SERVER ?? path.join(root, 'dist', 'pushy-server.js');
  return startServerProcess([...profile, entry, file], 'Pushy is listening');
}

function startBaseline(script, port) {
  return startServerProcess([path.join(here, 'servers', script), port], 'listening');
}

/** Fires `count` triggers at once (the agent keeps 8 in flight) and measures the fan-out. */
async function burst(loadgen, server, send, channel, subscribers, count) {
  await loadgen.reset();
  const cpu0 = cpuUs(server.pid);
  const t0 = nowUs();
  await pool(count, count, (i) => send(channel, `burst-${i}`));
  const target = subscribers * count;
  const done = await loadgen.waitFor({ expect: [{ from: 0, to: subscribers, per: count }], timeoutMs: quick ? 20000 : 90000 });
  const cpu = cpuUs(server.pid) - cpu0;
  const seconds = (done.lastDeliveryUs - t0) / 1e6;
  return {
    subscribers,
    events: count,
    deliveries: done.deliveries,
    expected: target,
    timedOut: done.timedOut,
    clientErrors: done.clientErrors,
    seconds,
    deliveriesPerSec: done.deliveries / seconds,
    cpuUsPerDelivery: cpu / done.deliveries,
  };
}

async function fanoutRun(name) {
  const spec = FANOUT_SERVERS[name];
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  log(`${name}: starting on ${port}`);
  const server = await spec.start(port);
  const loadgen = startLoadgenPool(LOADGEN, LOADGENS);
  const send = triggerer(base, spec.secret);
  const result = {};
  try {
    await sleep(500);
    const rss0 = rssBytes(server.pid);
    await loadgen.connect({ kind: spec.kind, base, count: P.conns, localAddresses: LOCAL_ADDRESSES });
    await sleep(quick ? 300 : 2000);
    const rss1 = rssBytes(server.pid);
    result.idle = { connections: P.conns, rssBeforeBytes: rss0, rssAfterBytes: rss1, bytesPerConnection: (rss1 - rss0) / P.conns };
    log(`${name}: ${P.conns} connected, ${(result.idle.bytesPerConnection / 1024).toFixed(1)} KiB each`);

    await loadgen.subscribe({
      groups: [
        { channel: 'burst', from: 0, to: P.burstSubs },
        { channel: 'steady', from: 0, to: P.steadySubs },
      ],
      ownPrefix: 'own-',
    });

    result.burst = await burst(loadgen, server, send, 'burst', P.burstSubs, P.burstEvents);
    log(`${name}: burst ${Math.round(result.burst.deliveriesPerSec)}/s, ${result.burst.cpuUsPerDelivery.toFixed(2)} us CPU/delivery`);

    await loadgen.reset({ latency: true });
    const events = P.steadyRate * P.steadySeconds;
    const steadyCpu0 = cpuUs(server.pid);
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
    const steadyDone = await loadgen.waitFor({ expect: [{ from: 0, to: P.steadySubs, per: events }], timeoutMs: 30000 });
    const steadyCpu = cpuUs(server.pid) - steadyCpu0;
    const latencies = await loadgen.latencies();
    result.steady = {
      subscribers: P.steadySubs,
      events,
      ratePerSec: P.steadyRate,
      deliveries: steadyDone.deliveries,
      timedOut: steadyDone.timedOut,
      clientErrors: steadyDone.clientErrors,
      cpuUsPerDelivery: steadyCpu / steadyDone.deliveries,
      ...latencySummary(latencies),
    };
    log(`${name}: steady p50 ${result.steady.p50Ms.toFixed(1)} ms, p99 ${result.steady.p99Ms.toFixed(1)} ms`);

    await loadgen.reset({ latency: true });
    const t1 = nowUs();
    await pool(P.ownTriggers, 64, (i) => send(`own-${i % P.conns}`, 'own'));
    const ownDone = await loadgen.waitFor({ expect: [{ from: 0, to: P.conns, per: P.ownTriggers / P.conns }], timeoutMs: 30000 });
    const own = { latencies: await loadgen.latencies() };
    const ownSeconds = (ownDone.lastDeliveryUs - t1) / 1e6;
    result.perChannel = { connections: P.conns, triggers: P.ownTriggers, deliveries: ownDone.deliveries, timedOut: ownDone.timedOut, clientErrors: ownDone.clientErrors, triggersPerSec: ownDone.deliveries / ownSeconds, ...latencySummary(own.latencies) };
    log(`${name}: per-channel ${Math.round(result.perChannel.triggersPerSec)} triggers/s, p99 ${result.perChannel.p99Ms.toFixed(1)} ms`);
    await loadgen.closeAll();

    if (spec.xhr) {
      await sleep(quick ? 200 : 1000);
      await loadgen.connect({ kind: 'xhr', base, count: P.xhrConns, localAddresses: LOCAL_ADDRESSES, concurrency: 100 });
      await loadgen.subscribe({ groups: [{ channel: 'xhr', from: 0, to: P.xhrConns }] });
      result.xhr = await burst(loadgen, server, send, 'xhr', P.xhrConns, P.xhrEvents);
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

/** Scenario 4: signed triggers over keep-alive HTTP from a separate process. */
async function triggerRun(name) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  log(`${name}: trigger throughput on ${port}`);
  const server = name === 'bare' ? await startBaseline('bare-http.mjs', port) : await startPushy(port);
  // `pusher`: the same server, its Pusher HTTP API events endpoint instead of the native trigger.
  const mode = name === 'pusher' ? 'pusher' : 'native';
  try {
    await sleep(300);
    const cpu0 = cpuUs(server.pid);
    // Two client processes, so that the HTTP client is less of the bottleneck than the server.
    const loads = await Promise.all(
      [0, 1].map(async () => {
        const client = spawnNode([path.join(here, 'lib', 'trigger-load.mjs'), base, SECRET, P.triggerRequests / 2, P.triggerConcurrency / 2, mode]);
        let out = '';
        client.stdout.on('data', (chunk) => (out += chunk));
        client.stderr.on('data', (chunk) => process.stderr.write(chunk));
        await new Promise((resolve) => client.once('exit', resolve));
        return JSON.parse(out);
      }),
    );
    const cpu = cpuUs(server.pid) - cpu0;
    const statuses = {};
    for (const part of loads) for (const [code, n] of Object.entries(part.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
    const load = {
      count: loads.reduce((sum, part) => sum + part.count, 0),
      elapsedUs: Math.max(...loads.map((part) => part.elapsedUs)),
      errors: loads.reduce((sum, part) => sum + part.errors, 0),
      statuses,
    };
    const result = { ...load, requestsPerSec: load.count / (load.elapsedUs / 1e6), cpuUsPerRequest: cpu / load.count };
    log(`${name}: ${Math.round(result.requestsPerSec)} requests/s, ${result.cpuUsPerRequest.toFixed(1)} us CPU each, statuses ${JSON.stringify(load.statuses)}`);
    return result;
  } finally {
    await stop(server);
  }
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch (error) {
    return `unknown (${error.message.split('\n')[0]})`;
  }
}

const started = Date.now();
const results = {
  meta: { date: new Date().toISOString(), quick, node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, commit: gitCommit(), params: P },
  fanout: {},
  triggers: {},
};
try {
  for (const name of Object.keys(FANOUT_SERVERS)) {
    if (only && !only.includes(name)) continue;
    results.fanout[name] = await fanoutRun(name);
  }
  for (const name of ['pushy', 'pusher', 'bare']) {
    // `--only triggers` runs these alone (scenario 4); `pusher` is Pushy's Pusher HTTP API.
    if (only && !only.includes(name) && !only.includes('triggers') && !((name === 'bare' || name === 'pusher') && only.includes('pushy'))) continue;
    results.triggers[name] = await triggerRun(name);
  }
} finally {
  if (configDir) rmSync(configDir, { recursive: true, force: true });
}
results.meta.seconds = (Date.now() - started) / 1000;
const rows = buildRows(results);
results.rows = rows;
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
writeFileSync(path.join(outDir, 'latest.svg'), renderSvg(rows, results.meta));
process.stdout.write(renderTable(rows, results.meta) + '\n');
log(`done in ${results.meta.seconds.toFixed(0)} s; wrote ${path.relative(process.cwd(), outDir) || '.'}/latest.json and latest.svg`);
