import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/pushy-server.js, next to this compiled helper's dist/test/helpers folder. */
const ENTRY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../pushy-server.js');

/**
 * A real `node dist/pushy-server.js <config.json>` process, as an operator runs it. Its
 * stderr (the log) is kept so that a test can wait for a line.
 */
export class NodeProcess {
  readonly stderr: string[] = [];
  url = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private logWaiters: Array<{ pattern: RegExp; from: number; resolve: () => void }> = [];
  private pendingStderr = '';

  private constructor(
    readonly name: string,
    private readonly dir: string,
    configFile: string,
  ) {
    this.child = spawn(process.execPath, [ENTRY, configFile], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PUSHY_REQUIRE_SERVICES: '' } });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.pendingStderr += chunk.toString();
      const lines = this.pendingStderr.split('\n');
      this.pendingStderr = lines.pop() ?? '';
      for (const line of lines) this.stderr.push(line);
      this.logWaiters = this.logWaiters.filter((w) => {
        if (!this.stderr.slice(w.from).some((l) => w.pattern.test(l))) return true;
        w.resolve();
        return false;
      });
    });
  }

  /** Writes `config` to a temp file, starts the process, and waits for its URL on stdout. */
  static async start(name: string, config: Record<string, unknown>): Promise<NodeProcess> {
    const dir = mkdtempSync(path.join(tmpdir(), 'pushy-node-'));
    const configFile = path.join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const node = new NodeProcess(name, dir, configFile);
    node.url = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => reject(new Error(`${name} did not start: ${node.stderr.join('\n')}`)), 15000);
      node.child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /listening on (\S+)/.exec(stdout);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      void node.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code ?? signal}) before listening: ${node.stderr.join('\n')}`));
      });
    });
    return node;
  }

  /** True while the process runs. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Index to pass as `from` to {@link waitForLog} to ignore lines logged so far. */
  get logPosition(): number {
    return this.stderr.length;
  }

  /** Resolves when a stderr line from index `from` on matches `pattern`. */
  waitForLog(pattern: RegExp, from = 0, timeoutMs = 10000): Promise<void> {
    if (this.stderr.slice(from).some((l) => pattern.test(l))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no log line ${pattern}; log:\n${this.stderr.slice(-20).join('\n')}`)), timeoutMs);
      this.logWaiters.push({
        pattern,
        from,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Sends a signal and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.alive) this.child.kill(signal);
    const result = await this.exited;
    rmSync(this.dir, { recursive: true, force: true });
    return result;
  }
}
