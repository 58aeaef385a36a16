import { ConfigError } from '../config.js';
import { ListenError, UsageError } from '../errors.js';
import { processIo, type CliIo } from './command.js';
import { COMMANDS } from './commands.js';
import { serveCommand } from './serve.js';

/** Exit code for a command line that cannot be run (as most Unix tools). */
export const EXIT_USAGE = 2;

/**
 * Runs `pushy-server <args>`: the subcommand named by the first argument, else the server.
 * Resolves with the exit code, or undefined while the server runs. Expected failures (a bad
 * command line, configuration or listen address) are one line on stderr, never a stack.
 */
export async function runCli(args: string[], io: CliIo = processIo()): Promise<number | undefined> {
  const command = COMMANDS.find((candidate) => candidate.name === args[0]) ?? serveCommand;
  try {
    return await command.run(command === serveCommand ? args : args.slice(1), io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`pushy-server: ${error.message}\nRun "pushy-server ${command.name ? `${command.name} ` : ''}--help" for usage.\n`);
      return EXIT_USAGE;
    }
    if (error instanceof ConfigError || error instanceof ListenError) {
      io.err(`pushy-server: ${error.message}\n`);
      return 1;
    }
    io.err(`pushy-server: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
