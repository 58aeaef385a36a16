import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findExecutable } from './services.js';

/** True when redis-server is installed (suites call requireService with it). */
export const REDIS_AVAILABLE = findExecutable('redis-server') !== undefined;

/** A free loopback TCP port (closed again, so a server can take it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A private redis-server on a free loopback port, with no persistence, for one suite. Never
 * the machine's shared 6379. `stop()` then `start()` again gives an outage on the same port.
 */
export class RedisServer {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'pushy-redis-'));

  private constructor(readonly port: number) {}

  /** `redis://127.0.0.1:<port>` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts a server on a free port and waits until it accepts connections. */
  static async create(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.start();
    return server;
  }

  /** (Re)starts the process on this server's port. */
  async start(): Promise<void> {
    if (this.child) return;
    this.child = await spawnRedis(this.port, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--loglevel', 'warning']);
  }

  /** Stops the process (SIGKILL: an abrupt outage) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child) await killProcess(child);
  }

  /** Stops the process and removes its working folder. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls until something accepts TCP connections on `port`, or the child exits. */
/** Waits until a child process (named `name` in errors) accepts connections on a loopback port. */
export async function waitForPort(port: number, child: ChildProcess, output: () => string, timeoutMs = 10000, name = 'redis-server'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${output()}`);
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${name} did not start on port ${port}: ${output()}`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts `redis-server` with `args` (in `cwd`, when given) and resolves once it accepts
 * connections on `port`; a server that does not come up is killed and its output thrown.
 */
export async function spawnRedis(port: number, args: string[], cwd?: string): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    await waitForPort(port, child, () => output);
  } catch (error) {
    await killProcess(child);
    throw error;
  }
  return child;
}

/** SIGKILLs a child process (an abrupt failure) and waits for it to exit. */
export async function killProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
