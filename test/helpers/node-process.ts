import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runServer, type ServerProcess } from './process.js';

/** Heartbeat of the test clusters' nodes, in ms. */
export const TEST_HEARTBEAT_INTERVAL = 200;
/** After this many ms without a heartbeat a test cluster's node is dead and purged. */
export const TEST_NODE_TIMEOUT = 1500;

/**
 * The `adapter` section of a node process on a test's private Redis at `url`, its keys under
 * `keyPrefix`: fast heartbeats and short timeouts, so that a killed node is noticed quickly.
 */
export function testRedisAdapter(url: string, keyPrefix: string): Record<string, unknown> {
  return { type: 'redis', url, keyPrefix, commandTimeout: 1000, maxReconnectDelay: 200, heartbeatInterval: TEST_HEARTBEAT_INTERVAL, nodeTimeout: TEST_NODE_TIMEOUT };
}

/**
 * A cluster node: a real `node dist/pushy-server.js <config.json>` process (see runServer),
 * named for failure messages, whose log (stderr) a test can wait on line by line.
 */
export class NodeProcess {
  url = '';
  private constructor(
    readonly name: string,
    private readonly dir: string,
    private readonly proc: ServerProcess,
  ) {}

  /** Writes `config` to a temp file, starts the process, and waits until it listens. */
  static async start(name: string, config: Record<string, unknown>): Promise<NodeProcess> {
    const dir = mkdtempSync(path.join(tmpdir(), 'pushy-node-'));
    const configFile = path.join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const node = new NodeProcess(name, dir, runServer([configFile]));
    node.url = await node.proc.ready;
    return node;
  }

  /** True while the process runs. */
  get alive(): boolean {
    return this.proc.child.exitCode === null && this.proc.child.signalCode === null;
  }

  /** The log so far, one entry per line. */
  get stderr(): string[] {
    return this.proc.stderr().split('\n').filter((line) => line !== '');
  }

  /** Pass as `from` to {@link waitForLog} to ignore what was logged so far. */
  get logPosition(): number {
    return this.proc.stderr().length;
  }

  /** Resolves when the log written after position `from` has a line matching `pattern`. */
  waitForLog(pattern: RegExp, from = 0, timeoutMs = 10000): Promise<void> {
    const found = (): boolean => this.proc.stderr().slice(from).split('\n').some((line) => pattern.test(line));
    if (found()) return Promise.resolve();
    const stream = this.proc.child.stderr!;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!found()) return;
        clearTimeout(timer);
        stream.off('data', check);
        resolve();
      };
      const timer = setTimeout(() => {
        stream.off('data', check);
        reject(new Error(`${this.name}: no log line ${pattern}; log:\n${this.stderr.slice(-20).join('\n')}`));
      }, timeoutMs);
      stream.on('data', check);
    });
  }

  /** Sends a signal, waits for the exit and removes the config folder. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.proc.kill(signal);
    const result = await this.proc.exited;
    rmSync(this.dir, { recursive: true, force: true });
    return result;
  }
}
