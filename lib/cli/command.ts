/** Where a subcommand writes and what environment it reads (the process's, from the entry). */
export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  /** Writes to stdout: the command's answer, which scripts read. */
  out(text: string): void;
  /** Writes to stderr: errors and notes for the person at the terminal. */
  err(text: string): void;
}

/**
 * One `pushy-server <name> ...` subcommand. Adding one is a file that exports it and a line in
 * `commands.ts`; the dispatcher and the overview of `pushy-server --help` find it there.
 */
export interface CliCommand {
  /** The word after `pushy-server`, e.g. `check-config`. */
  readonly name: string;
  /** One line for the overview in `pushy-server --help`. */
  readonly summary: string;
  /** The full text of `pushy-server <name> --help`. */
  readonly help: string;
  /**
   * Runs with the arguments after the name. Resolves with the exit code, or with undefined when
   * the command keeps the process running (the server). Throws a UsageError for a bad command
   * line and a ConfigError for a bad configuration; the dispatcher words both.
   */
  run(args: string[], io: CliIo): Promise<number | undefined>;
}

/** The real process's environment and streams. */
export function processIo(): CliIo {
  return {
    env: process.env,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  };
}
