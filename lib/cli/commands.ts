import { appsCommand } from './apps.js';
import { checkConfigCommand } from './check-config.js';
import type { CliCommand } from './command.js';
import { signCommand } from './sign.js';
import { triggerCommand } from './trigger.js';

/**
 * The subcommands, in the order `pushy-server --help` lists them. A new one: its own file that
 * exports a {@link CliCommand}, and one line here.
 */
export const COMMANDS: readonly CliCommand[] = [
  checkConfigCommand,
  signCommand,
  triggerCommand,
  appsCommand,
];
