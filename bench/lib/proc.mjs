/** Child processes of a run: spawning with a raised fd limit, IPC calls, /proc readings. */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';

const CLK_TCK = 100;

// Every child of a run, killed if the driver exits early (a crash must not leave servers up).
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * Spawns `node <args>` through a shell that raises the open-files limit first (`exec` keeps the
 * pid, so /proc readings are the node process's own).
 */
export function spawnNode(args, { ipc = false, cwd, env } = {}) {
  const quoted = args.map((a) => `'${String(a).replace(/'/g, `'\\''`)}'`).join(' ');
  const script = `ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "${process.execPath}" ${quoted}`;
  const child = spawn('/bin/sh', ['-c', script], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ipc ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Starts a server process and resolves once its stdout contains `ready`. */
export function startServerProcess(args, ready, options = {}) {
  const child = spawnNode(args, options);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server ${args.join(' ')} did not start: ${output}`));
    }, 15000);
    const onData = (chunk) => {
      output += chunk;
      if (output.includes(ready)) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => {
      output += chunk;
      process.stderr.write(`[server] ${chunk}`);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}): ${output}`));
    });
  });
}

/** Stops a child and waits for it. */
export function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A loadgen child with a promise-returning `call(cmd, args)`. */
export function startLoadgen(script) {
  const child = spawnNode([script], { ipc: true });
  const pending = new Map();
  let nextId = 0;
  child.on('message', ({ id, ok, result, error }) => {
    const entry = pending.get(id);
    pending.delete(id);
    if (ok) entry.resolve(result);
    else entry.reject(new Error(`loadgen: ${error}`));
  });
  child.once('exit', (code) => {
    for (const entry of pending.values()) entry.reject(new Error(`loadgen exited (${code})`));
    pending.clear();
  });
  return {
    child,
    call(cmd, args) {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        child.send({ id, cmd, args });
      });
    },
    async close() {
      if (child.connected) child.disconnect();
      await stop(child);
    },
  };
}

/** CPU time (user + system) of a process, in microseconds. */
export function cpuUs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
}

/** The ids of a process's children (a Pushy primary's workers). */
export function childPids(pid) {
  const children = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4, after the name in parentheses, is the parent's id.
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // Ended while the list was read.
    }
  }
  return children;
}

/**
 * CPU time of a server: the process and its children (a Pushy primary and its workers; the
 * baselines have none). Children that ended in between are not counted.
 */
export function serverCpuUs(pid) {
  return childPids(pid).reduce((sum, child) => sum + cpuUs(child), cpuUs(pid));
}

/** Resident set size of a server: the process and its children. */
export function serverRssBytes(pid) {
  return childPids(pid).reduce((sum, child) => sum + rssBytes(child), rssBytes(pid));
}

/** Resident set size of a process, in bytes. */
export function rssBytes(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match[1]) * 1024;
}

/** A free TCP port on loopback. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Monotonic microseconds, the same clock the loadgen uses. */
export const nowUs = () => Number(process.hrtime.bigint() / 1000n);

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Several loadgens acting as one: clients are split in contiguous index ranges, so that two
 * processes can read sockets on both cores. Results are summed (deliveries), maxed (last
 * delivery time) or concatenated (latencies).
 */
export function startLoadgenPool(script, size) {
  const members = Array.from({ length: size }, () => startLoadgen(script));
  const all = (cmd, args) => Promise.all(members.map((m, i) => m.call(cmd, typeof args === 'function' ? args(i) : args)));
  // Member i's share of `count` clients: a contiguous range of global indexes.
  const share = (count, i) => {
    const first = Math.floor((count * i) / size);
    return { first, count: Math.floor((count * (i + 1)) / size) - first };
  };
  const sum = (parts, key) => parts.reduce((total, part) => total + part[key], 0);
  return {
    /** Opens `args.count` clients; resolves with how many opened and how many were refused. */
    async connect(args) {
      const parts = await all('connect', (i) => ({ ...args, ...share(args.count, i) }));
      return { connected: sum(parts, 'connected'), failed: sum(parts, 'failed'), lastError: parts.find((p) => p.lastError)?.lastError };
    },
    /** Keeps `keep` clients (spread evenly over the members, numbered 0 to keep-1 again) and closes the rest. */
    trim: (keep) => all('trim', (i) => share(keep, i)),
    /** Reconnection on: clients whose connection ends come back (with backoff) and resubscribe. */
    reconnect: (args) => all('reconnect', args),
    /** Waits until every client is back and resubscribed (or gave up); the time is the last member's. */
    async waitReconnected(args) {
      const parts = await all('waitReconnected', args);
      return {
        settledUs: parts.some((p) => p.timedOut) ? undefined : Math.max(...parts.map((p) => p.settledUs)),
        timedOut: parts.some((p) => p.timedOut),
        clients: sum(parts, 'clients'),
        back: sum(parts, 'back'),
        reopened: sum(parts, 'reopened'),
        attempts: sum(parts, 'attempts'),
        gaveUp: sum(parts, 'gaveUp'),
        clientErrors: sum(parts, 'errors'),
      };
    },
    stopReconnecting: () => all('stopReconnecting', {}),
    subscribe: (args) => all('subscribe', args),
    reset: (args = {}) => all('reset', args),
    closeAll: () => all('closeAll', {}),
    async waitFor(args) {
      const parts = await all('waitFor', args);
      return {
        deliveries: parts.reduce((sum, p) => sum + p.deliveries, 0),
        timedOut: parts.some((p) => p.timedOut),
        clientErrors: parts.reduce((sum, p) => sum + p.errors, 0),
        lastDeliveryUs: Math.max(...parts.map((p) => p.lastDeliveryUs)),
      };
    },
    async latencies() {
      const parts = await all('latencies', {});
      return parts.flatMap((p) => p.latencies);
    },
    close: () => Promise.all(members.map((m) => m.close())),
  };
}
