import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeepPartial, PushyConfig } from '../../lib/config.js';
import { TEST_SECRET } from './server.js';

/** The built entry point (dist/pushy-server.js). */
const ENTRY = fileURLToPath(new URL('../../pushy-server.js', import.meta.url));

/** A `pushy-server` running in its own process, as in production. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly secret: string;
  /** Everything it wrote to stderr so far (its log). */
  stderr(): string;
  /** Peak resident memory of the process so far, in bytes (Linux VmHWM). */
  peakRssBytes(): number;
  /** Current resident memory, in bytes (Linux VmRSS). */
  rssBytes(): number;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  /** Sends SIGTERM (if still running) and waits for the exit. */
  stop(): Promise<number | null>;
}

/**
 * Starts `node dist/pushy-server.js <config>` on a free loopback port and waits for its
 * "listening" line.
 */
export async function spawnServer(overrides: DeepPartial<PushyConfig> = {}, nodeArgs: string[] = []): Promise<ServerProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pushy-proc-'));
  const configFile = path.join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ port: 0, host: '127.0.0.1', secretKey: TEST_SECRET, logLevel: 'warn', ...overrides }));
  const child = spawn(process.execPath, [...nodeArgs, ENTRY, configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => rmSync(dir, { recursive: true, force: true }));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      stdout += chunk.toString();
      const match = /listening on (\S+)/.exec(stdout);
      if (match) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`pushy-server exited (${code}) before listening: ${stderr}`)));
  });
  const status = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    return Number(match?.[1] ?? 0) * 1024;
  };
  return {
    child,
    url,
    secret: TEST_SECRET,
    stderr: () => stderr,
    peakRssBytes: () => status('VmHWM'),
    rssBytes: () => status('VmRSS'),
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
