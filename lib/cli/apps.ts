import { APPS_USAGE, runAppsCommand } from '../apps/cli.js';
import type { CliCommand } from './command.js';

/** `pushy-server apps ...`: the apps of the configured store (see `lib/apps/cli.ts`). */
export const appsCommand: CliCommand = {
  name: 'apps',
  summary: 'list, add, rotate, disable, enable or remove apps in the configured app store',
  help: APPS_USAGE,
  run: (args, io) => runAppsCommand(args, { stdout: io.out, stderr: io.err, env: io.env }),
};
