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
 */
export function runServer(args: string[], env: Record<string, string | undefined> = {}): ServerProcess {
  const merged: Record<string, string | undefined> = { PATH: process.env.PATH ?? '', PUSHY_PORT: '0', PUSHY_HOST: '127.0.0.1', ...env };
  const child = spawn(process.execPath, [ENTRY, ...args], {
    env: Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined)),
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
