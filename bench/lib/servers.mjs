/**
 * The servers a run compares, each started in its own process: the built Pushy server and the
 * baselines in bench/servers/. A started server is a child process (pid for /proc readings).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServerProcess } from './proc.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

/** The secret Pushy signs with in every run (the baselines check no signature). */
export const SECRET = 'bench-secret';

/** kind: the client framing the loadgen speaks to it; xhr: whether it serves xhr-streaming. */
export const SERVERS = {
  pushy: { kind: 'sockjs', secret: SECRET, xhr: true },
  // The same build, its clients on the Pusher protocol's `/app/<key>` (the default app's channels).
  pusher: { kind: 'pusher', secret: SECRET },
  // The same build with `workers: 2` (the primary and two workers: CPU and memory summed).
  pushy2: { kind: 'sockjs', secret: SECRET, config: { workers: 2 } },
  sockjs: { kind: 'sockjs', xhr: true, script: 'sockjs-server.mjs' },
  ws: { kind: 'ws', script: 'ws-server.mjs' },
  socketio: { kind: 'socketio', script: 'socketio-server.mjs' },
  bare: { kind: 'http', script: 'bare-http.mjs' },
};

let configDir;

/**
 * Starts server `name` on `port`. `pushy` options (config keys) are merged into Pushy's bench
 * config: enough connection headroom for the largest scenario, warnings only.
 */
export async function startServer(name, port, pushy = {}) {
  const spec = SERVERS[name];
  if (spec.script) return startServerProcess([path.join(root, 'bench', 'servers', SERVERS[name].script), port], 'listening');
  configDir ??= mkdtempSync(path.join(os.tmpdir(), 'pushy-bench-'));
  const file = path.join(configDir, `config-${port}.json`);
  // PUSHY_BENCH_CONFIG: JSON merged into Pushy's config, for experiments (e.g. '{"sockjs":{"writeDelay":20}}').
  const extra = JSON.parse(process.env.PUSHY_BENCH_CONFIG ?? '{}');
  const config = { port, host: '0.0.0.0', secretKey: SECRET, logLevel: 'warn', ...extra, ...spec.config, ...pushy, limits: { maxConnections: 100000, ...extra.limits, ...pushy.limits } };
  writeFileSync(file, JSON.stringify(config));
  const profile = process.env.PUSHY_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PUSHY_BENCH_CPU_PROF}`] : [];
  // PUSHY_BENCH_SERVER: another build's entry point, to compare before/after a change.
  const entry = process.env.PUSHY_BENCH_SERVER ?? path.join(root, 'dist', 'pushy-server.js');
  return startServerProcess([...profile, entry, file], 'Pushy is listening');
}

/** Removes the config files written for Pushy. */
export function cleanUpServers() {
  if (configDir) rmSync(configDir, { recursive: true, force: true });
  configDir = undefined;
}
