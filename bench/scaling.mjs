#!/usr/bin/env node
/**
 * `npm run bench:scaling [-- --quick] [--out <dir>]`: the burst scenario of `bench/run.mjs`
 * across two Pushy nodes, once on one Redis and once on three Redis shards
 * (`adapter.redis.shards`), in the same run on loopback. Clients are split over both nodes and
 * over several channels (so that the shards share them); triggers alternate between the nodes.
 * Prints a table and writes <out>/scaling.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuUs, freePort, nowUs, sleep, startLoadgenPool, startServerProcess, stop } from './lib/proc.mjs';
import { pool, triggerer } from './lib/triggers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const outDir = path.resolve(argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : path.join(here, 'results'));
const SECRET = 'bench-secret';
const P = quick ? { subscribers: 200, channels: 6, eventsPerChannel: 10, rounds: 1 } : { subscribers: 4000, channels: 6, eventsPerChannel: 50, rounds: 3 };
Object.assign(P, JSON.parse(process.env.PUSHY_BENCH_PARAMS ?? '{}'));
const LOCAL_ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 1}`);
const LOADGEN = path.join(here, 'lib', 'loadgen.mjs');

function log(message) {
  process.stderr.write(`[bench:scaling ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** A private redis-server on a free loopback port, without persistence. */
async function startRedis(dir) {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'], { stdio: 'ignore' });
  for (let i = 0; i < 200; i += 1) {
    const up = await new Promise((resolve) => {
      const probe = spawn('redis-cli', ['-p', String(port), 'ping'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      probe.stdout.on('data', (chunk) => (out += chunk));
      probe.once('exit', () => resolve(out.includes('PONG')));
    });
    if (up) return { child, url: `redis://127.0.0.1:${port}` };
    await sleep(25);
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not start on ${port}`);
}

async function startPushy(dir, port, adapter) {
  const file = path.join(dir, `config-${port}.json`);
  writeFileSync(file, JSON.stringify({ port, host: '0.0.0.0', secretKey: SECRET, logLevel: 'warn', adapter: { type: 'redis', keyPrefix: 'bench:', ...adapter } }));
  return startServerProcess([path.join(root, 'dist', 'pushy-server.js'), file], 'Pushy is listening');
}

/** Two nodes on `adapter`, half of the clients on each, every client on one of the channels; the burst, `rounds` times. */
async function scalingRun(name, adapter, dir) {
  const ports = [await freePort(), await freePort()];
  const nodes = [await startPushy(dir, ports[0], adapter), await startPushy(dir, ports[1], adapter)];
  const bases = ports.map((port) => `http://127.0.0.1:${port}`);
  const half = P.subscribers / 2;
  const loadgens = bases.map(() => startLoadgenPool(LOADGEN, 1));
  const senders = bases.map((base) => triggerer(base, SECRET));
  const channels = Array.from({ length: P.channels }, (_, i) => `burst-${i}`);
  const rounds = [];
  try {
    await Promise.all(loadgens.map((loadgen, i) => loadgen.connect({ kind: 'sockjs', base: bases[i], count: half, localAddresses: LOCAL_ADDRESSES })));
    const groups = channels.map((channel, c) => ({ channel, from: Math.floor((half * c) / P.channels), to: Math.floor((half * (c + 1)) / P.channels) }));
    await Promise.all(loadgens.map((loadgen) => loadgen.subscribe({ groups })));
    await sleep(quick ? 200 : 1000);
    for (let round = 0; round < P.rounds; round += 1) {
      await Promise.all(loadgens.map((loadgen) => loadgen.reset()));
      const cpu0 = nodes.map((node) => cpuUs(node.pid));
      const t0 = nowUs();
      const total = P.channels * P.eventsPerChannel;
      await pool(total, 16, (i) => senders[i % 2](channels[i % P.channels], `burst-${round}-${i}`));
      const done = await Promise.all(loadgens.map((loadgen) => loadgen.waitFor({ expect: [{ from: 0, to: half, per: P.eventsPerChannel }], timeoutMs: quick ? 20000 : 90000 })));
      const deliveries = done.reduce((sum, part) => sum + part.deliveries, 0);
      const seconds = (Math.max(...done.map((part) => part.lastDeliveryUs)) - t0) / 1e6;
      const cpu = nodes.reduce((sum, node, i) => sum + cpuUs(node.pid) - cpu0[i], 0);
      rounds.push({ deliveries, expected: P.subscribers * P.eventsPerChannel, timedOut: done.some((part) => part.timedOut), seconds, deliveriesPerSec: deliveries / seconds, cpuUsPerDelivery: cpu / deliveries });
      log(`${name} round ${round + 1}: ${Math.round(deliveries / seconds)} deliveries/s, ${(cpu / deliveries).toFixed(2)} us Pushy CPU/delivery`);
    }
    await Promise.all(loadgens.map((loadgen) => loadgen.closeAll()));
  } finally {
    for (const send of senders) send.close();
    await Promise.all(loadgens.map((loadgen) => loadgen.close()));
    await Promise.all(nodes.map((node) => stop(node)));
  }
  const best = rounds.reduce((a, b) => (b.deliveriesPerSec > a.deliveriesPerSec ? b : a));
  return { rounds, best };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'pushy-bench-scaling-'));
const redis = [];
const results = { meta: { date: new Date().toISOString(), quick, node: process.version, cpus: os.cpus().length, params: P }, runs: {} };
try {
  for (let i = 0; i < 4; i += 1) redis.push(await startRedis(dir));
  results.runs.single = await scalingRun('1 Redis', { url: redis[0].url }, dir);
  results.runs.shards = await scalingRun('3 shards', { redis: { shards: redis.slice(1).map((r) => r.url) } }, dir);
} finally {
  for (const r of redis) r.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
const { single, shards } = results.runs;
results.shardsVsSingle = shards.best.deliveriesPerSec / single.best.deliveriesPerSec;
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, 'scaling.json'), JSON.stringify(results, null, 2) + '\n');
const row = (label, run) => `| ${label} | ${Math.round(run.best.deliveriesPerSec)} | ${run.best.cpuUsPerDelivery.toFixed(2)} | ${run.rounds.every((r) => !r.timedOut && r.deliveries === r.expected) ? 'yes' : 'NO'} |`;
process.stdout.write(
  [
    `Burst across 2 Pushy nodes: ${P.subscribers} subscribers on ${P.channels} channels, ${P.eventsPerChannel} events each (best of ${P.rounds})`,
    '',
    '| Redis | deliveries/s | Pushy CPU us/delivery | all delivered |',
    '|---|---|---|---|',
    row('1 server', single),
    row('3 shards', shards),
    '',
    `3 shards / 1 server: ${(results.shardsVsSingle * 100).toFixed(1)}%`,
    '',
  ].join('\n'),
);
