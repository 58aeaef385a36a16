/** Scenario 4: signed triggers over keep-alive HTTP from two client processes. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, serverCpuUs, sleep, spawnNode, stop } from '../lib/proc.mjs';
import { SECRET, startServer } from '../lib/servers.mjs';

const client = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'trigger-load.mjs');

/**
 * Trigger throughput and server CPU per request of `name`: `pushy` (the native trigger),
 * `pusher` (the same server, its Pusher HTTP API events endpoint) or `bare`.
 */
export async function triggerRun(ctx, name) {
  const { P, log } = ctx;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  log(`${name}: trigger throughput on ${port}`);
  const server = await startServer(name === 'pusher' ? 'pushy' : name, port);
  const mode = name === 'pusher' ? 'pusher' : 'native';
  try {
    await sleep(300);
    const cpu0 = serverCpuUs(server.pid);
    // Two client processes, so that the HTTP client is less of the bottleneck than the server.
    const loads = await Promise.all(
      [0, 1].map(async () => {
        const load = spawnNode([client, base, SECRET, P.triggerRequests / 2, P.triggerConcurrency / 2, mode]);
        let out = '';
        load.stdout.on('data', (chunk) => (out += chunk));
        load.stderr.on('data', (chunk) => process.stderr.write(chunk));
        await new Promise((resolve) => load.once('exit', resolve));
        return JSON.parse(out);
      }),
    );
    const cpu = serverCpuUs(server.pid) - cpu0;
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
