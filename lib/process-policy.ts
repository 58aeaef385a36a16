import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from './logger.js';

/** What {@link installProcessPolicy} needs. */
export interface ProcessPolicyOptions {
  logger: Logger;
  /** The custom commands folder (`commandsDir`); '' when there is none. */
  commandsDir: string;
  /** Ends the process (default `process.exit`). */
  exit?: (code: number) => void;
  /** Where the process-level errors are emitted (default `process`). */
  target?: NodeJS.EventEmitter;
}

/**
 * The process-level policy for errors nobody caught; never silent:
 *
 * - An unhandled promise rejection is logged (naming the custom command file it came from, when
 *   its stack shows one) and the server keeps running: a promise nobody awaited left nothing half
 *   done on the way, and Node's default (exit) would let a custom command's forgotten `await`
 *   take every connection down.
 * - An uncaught exception thrown from a custom command's own code (a stray timer or callback) is
 *   logged with the command's file name, and the server keeps running: it unwound that command's
 *   callback only.
 * - Any other uncaught exception is a bug in Pushy or a library, after which its state cannot be
 *   trusted: it is logged with its stack and the process exits with code 1, for the supervisor
 *   to start a clean one. No client input gets there: every transport entry point is guarded.
 *
 * Returns the function that removes the policy.
 */
export function installProcessPolicy(options: ProcessPolicyOptions): () => void {
  const { logger, commandsDir } = options;
  const target = options.target ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));

  const onRejection = (reason: unknown): void => {
    const file = commandFileOf(reason, commandsDir);
    if (file) logger.error(`unhandled promise rejection in custom command ${file}`, { file, error: describe(reason) });
    else logger.error('unhandled promise rejection', { error: describe(reason) });
  };
  const onException = (error: unknown): void => {
    const file = commandFileOf(error, commandsDir);
    if (file) {
      logger.error(`uncaught exception in custom command ${file}`, { file, error: describe(error) });
      return;
    }
    logger.error('uncaught exception: exiting', { error: describe(error) });
    exit(1);
  };
  target.on('unhandledRejection', onRejection);
  target.on('uncaughtException', onException);
  return () => {
    target.off('unhandledRejection', onRejection);
    target.off('uncaughtException', onException);
  };
}

/**
 * The file of the first stack frame of `error` that lies in `commandsDir`, or undefined (no
 * folder, no stack, or none of its frames there).
 */
export function commandFileOf(error: unknown, commandsDir: string): string | undefined {
  if (!commandsDir || !(error instanceof Error) || typeof error.stack !== 'string') return undefined;
  const folder = path.resolve(commandsDir);
  for (const line of error.stack.split('\n')) {
    // `    at fn (file:///dir/cmd.mjs:3:9)` or `    at /dir/cmd.js:3:9`
    const match = /^\s+at (?:.*\()?((?:file:\/\/)?\/[^()]*?):\d+:\d+\)?$/.exec(line);
    if (!match) continue;
    const file = toPath(match[1]!);
    if (!file) continue;
    const relative = path.relative(folder, file);
    if (relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)) return file;
  }
  return undefined;
}

function toPath(location: string): string | undefined {
  if (!location.startsWith('file://')) return location;
  try {
    return fileURLToPath(location);
  } catch {
    return undefined;
  }
}

/** An Error as it is (the logger keeps message and stack); anything else as text. */
function describe(value: unknown): unknown {
  if (value instanceof Error) return value;
  try {
    return String(value);
  } catch {
    return 'a value that cannot be shown';
  }
}
