#!/usr/bin/env node
/**
 * `npm run bench [-- --quick] [--out <dir>] [--only pushy,sockjs,...|triggers|scale] [--scenarios fanout,delay,triggers,scale]`: runs every
 * scenario against the built Pushy server and the baselines (plain sockjs, naive ws, socket.io,
 * bare http), each server in its own process, the clients in two others (bench/lib/loadgen.mjs).
 * Prints a table, writes <out>/latest.json and <out>/latest.svg.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { buildRows, renderSvg, renderTable } from './lib/report.mjs';
import { cleanUpServers } from './lib/servers.mjs';
import { fanoutRun, steadyRun } from './scenarios/fanout.mjs';
import { scaleRun } from './scenarios/scale.mjs';
import { triggerRun } from './scenarios/triggers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const outDir = path.resolve(argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : path.join(here, 'results'));
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : undefined;

/** Most connections one process may hold: its open-files cap less room for everything else. */
function connectionCap() {
  try {
    const hard = execFileSync('/bin/sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
    return hard === 'unlimited' ? 64000 : Math.min(64000, Number(hard) - 1000);
  } catch {
    return 19000;
  }
}

const P = quick
  ? {
      conns: 200, burstSubs: 100, burstEvents: 20, steadySubs: 200, steadyRate: 10, steadySeconds: 1, ownTriggers: 200, triggerRequests: 500, triggerConcurrency: 16, xhrConns: 50, xhrEvents: 20,
      maxConns: 300, stormConns: 200, stormMaxAttempts: 12, stormTimeoutMs: 30000, stormDownMs: 1000, manyChannels: 1000, manyTriggers: 300, writeDelayMs: 100,
    }
  : {
      conns: 10000, burstSubs: 5000, burstEvents: 100, steadySubs: 10000, steadyRate: 10, steadySeconds: 10, ownTriggers: 10000, triggerRequests: 20000, triggerConcurrency: 32, xhrConns: 1000, xhrEvents: 50,
      maxConns: connectionCap(), stormConns: 10000, stormMaxAttempts: 12, stormTimeoutMs: 120000, stormDownMs: 3000, manyChannels: 100000, manyTriggers: 20000, writeDelayMs: 100,
    };
// PUSHY_BENCH_PARAMS: JSON overriding any of these, for experiments.
Object.assign(P, JSON.parse(process.env.PUSHY_BENCH_PARAMS ?? '{}'));

const ctx = {
  P,
  quick,
  // Client sockets are spread over several loopback source addresses so that 10,000 of them
  // (times several servers in one run) never run short of ephemeral ports.
  localAddresses: Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 1}`),
  loadgenScript: path.join(here, 'lib', 'loadgen.mjs'),
  // Client processes per server: two, so that reading 10,000 sockets can use both cores.
  loadgens: argv.includes('--loadgens') ? Number(argv[argv.indexOf('--loadgens') + 1]) : 2,
  log: (message) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`),
};

// `--scenarios fanout,delay,triggers,scale`: only these groups of scenarios.
const groups = argv.includes('--scenarios') ? argv[argv.indexOf('--scenarios') + 1].split(',') : undefined;

/** `--only` names servers, or a scenario group (`triggers`, `scale`) with all its servers. */
const selected = (group, name) =>
  (!groups || groups.includes(group)) &&
  (!only || only.includes(name) || only.includes(group) || (group === 'triggers' && (name === 'bare' || name === 'pusher') && only.includes('pushy')));

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch (error) {
    return `unknown (${error.message.split('\n')[0]})`;
  }
}

const started = Date.now();
const results = {
  meta: { date: new Date().toISOString(), quick, node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, commit: gitCommit(), loadAverage: os.loadavg(), params: P },
  fanout: {},
  triggers: {},
  scale: {},
};
try {
  for (const name of ['pushy', 'pusher', 'pushy2', 'sockjs', 'ws', 'socketio']) if (selected('fanout', name)) results.fanout[name] = await fanoutRun(ctx, name);
  // The write delay's trade: the steady scenario again with sockjs.writeDelay set.
  if (selected('delay', 'pushy')) results.writeDelay = await steadyRun(ctx, 'pushy', { sockjs: { writeDelay: P.writeDelayMs } });
  // `pusher`: the same server, its Pusher HTTP API events endpoint instead of the native trigger.
  for (const name of ['pushy', 'pusher', 'bare']) if (selected('triggers', name)) results.triggers[name] = await triggerRun(ctx, name);
  for (const name of ['pushy', 'sockjs', 'socketio']) if (selected('scale', name)) results.scale[name] = await scaleRun(ctx, name);
} finally {
  cleanUpServers();
}
results.meta.seconds = (Date.now() - started) / 1000;
results.meta.loadAverageAtEnd = os.loadavg();
const rows = buildRows(results);
results.rows = rows;
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
writeFileSync(path.join(outDir, 'latest.svg'), renderSvg(rows, results.meta));
process.stdout.write(renderTable(rows, results.meta) + '\n');
ctx.log(`done in ${results.meta.seconds.toFixed(0)} s; wrote ${path.relative(process.cwd(), outDir) || '.'}/latest.json and latest.svg`);
