import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the built project (dist/ sits in it). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Path of the built entry point. */
export const ENTRY = path.join(PROJECT_ROOT, 'dist', 'pushy-server.js');

/** A `pushy-server` child process with its output captured. */
export interface ServerProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the URL once the process says it is listening. */
  ready: Promise<string>;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Runs `node dist/pushy-server.js [configFile]` on a free loopback port, with extra environment;
 * an entry set to `undefined` removes that variable (so a config file's value is not overridden).
 * `options.entry` and `options.cwd` run another script (the root pushy-server.js) from elsewhere.
 */
export function runServer(args: string[], env: Record<string, string | undefined> = {}, options: { entry?: string; cwd?: string } = {}): ServerProcess {
  const merged: Record<string, string | undefined> = { PATH: process.env.PATH ?? '', PUSHY_PORT: '0', PUSHY_HOST: '127.0.0.1', ...env };
  const child = spawn(process.execPath, [options.entry ?? ENTRY, ...args], {
    env: Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<string>((resolve, reject) => {
    const check = (): void => {
      const match = /listening on (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', check);
    void exited.then(({ code }) => reject(new Error(`server exited (${code}) before listening: ${err}`)));
  });
  ready.catch(() => undefined);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    ready,
    exited,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** How a one-shot `pushy-server` run ended and what it printed. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  /** Extra environment over just PATH; `undefined` entries are left out. */
  env?: Record<string, string | undefined>;
  /** Working directory (default: this one). */
  cwd?: string;
  /** Script to run instead of dist/pushy-server.js (e.g. the root pushy-server.js). */
  entry?: string;
  /** Run as this user and group (the tests run as root in CI: to see a refusal root never gets). */
  uid?: number;
  gid?: number;
}

/**
 * Runs `node dist/pushy-server.js <args>` to its end: a subcommand, `--help`, a start that must
 * fail. Only PATH and `options.env` are in its environment, so no PUSHY_* leaks in from here.
 * Killed after 20 s, so that a command that would hang fails the test instead of stalling it.
 */
export function runCommand(args: string[], options: RunCommandOptions = {}): Promise<CommandResult> {
  const env = Object.fromEntries(
    Object.entries({ PATH: process.env.PATH ?? '', ...options.env }).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const child = spawn(process.execPath, [options.entry ?? ENTRY, ...args], { env, cwd: options.cwd, uid: options.uid, gid: options.gid, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
