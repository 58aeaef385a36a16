#!/usr/bin/env node
/**
 * The `pushy-server` command: `pushy-server [config.json] [--port N]` starts the server, and
 * `pushy-server <command>` runs a subcommand (see lib/cli/). Nothing else lives here.
 */
import { runCli } from './lib/cli/main.js';

const code = await runCli(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
