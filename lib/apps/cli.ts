import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { isPushyError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { currentKey, isLive } from './app-keys.js';
import type { AppStore } from './app-store.js';
import { redactApp, type App, type AppCreateInput } from './app.js';
import { openAppStore } from './open-app-store.js';

/** Where the command writes, and what it reads besides its arguments. */
export interface AppsCommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Environment for the config (`PUSHY_*`); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Logger for the store; default: warnings and errors to `stderr`. */
  logger?: Logger;
}

export const APPS_USAGE = `Usage: pushy-server apps <command> [options]

Commands:
  list                     list the apps (keys and expiries; never secrets)
  add                      create an app; prints its secret, this once
  rotate <id>              add a new key/secret pair; the old ones expire after the grace period
  disable <id>             refuse the app's connections and triggers
  enable <id>              accept them again
  remove <id>              delete the app

Options:
  -c, --config <file>      the server's config file (its "apps" section names the store)
  --json                   print JSON instead of text
  add:    --id <id> --key <key> --secret <secret> (generated when left out), --name <name>,
          --client-events, --user-authentication, --max-connections <n>, --disabled
  rotate: --grace <seconds> (default: apps.rotationGrace; 0 retires the old pairs at once),
          --key <key> --secret <secret> for the new pair (generated when left out)
  -h, --help               this text

With the config store (the default) the apps are read-only: list works, and every change is
made by editing the config file. With "apps": {"store": {"type": "postgres", "url": ...}} every
command works, and running servers see the change within a second.
`;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean' },
  id: { type: 'string' },
  key: { type: 'string' },
  secret: { type: 'string' },
  name: { type: 'string' },
  'client-events': { type: 'boolean' },
  'user-authentication': { type: 'boolean' },
  'max-connections': { type: 'string' },
  disabled: { type: 'boolean' },
  grace: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parse>['values'];

/** A mistake in the command line: printed with a hint to --help, exit code 2. */
class UsageError extends Error {}

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

/**
 * `pushy-server apps list|add|rotate|disable|enable|remove --config <file>`: manages the apps of
 * the store the config file names. Returns the exit code: 0 done, 1 refused or failed (one line
 * on stderr saying why), 2 a usage mistake.
 */
export async function runAppsCommand(argv: string[], io: AppsCommandIo): Promise<number> {
  let command: string | undefined;
  let store: AppStore | undefined;
  try {
    const { values, positionals } = parseCommandLine(argv);
    command = positionals[0];
    if (values.help || command === undefined || command === 'help') {
      (values.help || command === 'help' ? io.stdout : io.stderr)(APPS_USAGE);
      return values.help || command === 'help' ? 0 : 2;
    }
    const run = COMMANDS[command];
    if (!run) throw new UsageError(`unknown command "${command}"`);
    const id = positionals[1];
    if (run.needsId && id === undefined) throw new UsageError(`${command} needs the app id: pushy-server apps ${command} <id>`);
    if (positionals.length > (run.needsId ? 2 : 1)) throw new UsageError(`unexpected argument "${positionals[run.needsId ? 2 : 1]}"`);
    const misplaced = Object.keys(values).find((option) => !COMMON_OPTIONS.includes(option) && !run.options.includes(option));
    if (misplaced !== undefined) throw new UsageError(`--${misplaced} does not apply to ${command}`);

    const config = loadConfig({ file: values.config, env: io.env ?? process.env });
    const logger = io.logger ?? createLogger('warn', (line) => io.stderr(line + '\n'));
    store = await openAppStore(config.apps, logger);
    await run.handle({ store, id: id ?? '', values, io, rotationGrace: config.apps.rotationGrace });
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`pushy-server apps: ${error.message} (see pushy-server apps --help)\n`);
      return 2;
    }
    io.stderr(`pushy-server apps: ${describeFailure(error, command)}\n`);
    return 1;
  } finally {
    await store?.close();
  }
}

function parseCommandLine(argv: string[]): { values: Values; positionals: string[] } {
  try {
    return parse(argv);
  } catch (error) {
    // parseArgs says what is wrong (unknown option, missing value) in its message.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** One line: what failed and why, never a stack or a secret. */
function describeFailure(error: unknown, command: string | undefined): string {
  let text: string;
  if (error instanceof ConfigError) text = error.message;
  else if (isPushyError(error)) text = error.errorName === 'APPS_READ_ONLY' ? `cannot ${command}: ${error.message}` : error.message;
  else text = `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
  return text.replace(/\s+/g, ' ').trim();
}

interface CommandContext {
  store: AppStore;
  id: string;
  values: Values;
  io: AppsCommandIo;
  rotationGrace: number;
}

/** Options every command takes; each command lists the others it takes. */
const COMMON_OPTIONS: readonly string[] = ['config', 'json', 'help'];

const COMMANDS: Record<string, { needsId: boolean; options: readonly string[]; handle(ctx: CommandContext): Promise<void> }> = {
  list: {
    needsId: false,
    options: [],
    async handle({ store, values, io }) {
      const apps = store.list();
      if (values.json) return io.stdout(JSON.stringify(apps.map(redactApp), null, 2) + '\n');
      if (apps.length === 0) return io.stdout(`No apps in the ${store.type} store.\n`);
      io.stdout(apps.map(describeApp).join(''));
    },
  },
  add: {
    needsId: false,
    options: ['id', 'key', 'secret', 'name', 'client-events', 'user-authentication', 'max-connections', 'disabled'],
    async handle({ store, values, io }) {
      const created = await store.create(createInput(values));
      if (values.json) return io.stdout(JSON.stringify({ app: redactApp(created.app), key: created.key, secret: created.secret }, null, 2) + '\n');
      io.stdout(
        `Created app ${created.app.id} (${created.app.name})\n` +
          `  id:     ${created.app.id}\n  key:    ${created.key}\n  secret: ${created.secret}\n` +
          `The secret is shown this once: keep it now.\n`,
      );
    },
  },
  rotate: {
    needsId: true,
    options: ['grace', 'key', 'secret'],
    async handle({ store, id, values, io, rotationGrace }) {
      const graceSeconds = values.grace === undefined ? rotationGrace : wholeNumber('--grace', values.grace);
      const rotated = await store.rotate(id, { graceSeconds, ...(values.key === undefined ? {} : { key: values.key }), ...(values.secret === undefined ? {} : { secret: values.secret }) });
      if (values.json) {
        return io.stdout(JSON.stringify({ app: redactApp(rotated.app), key: rotated.key, secret: rotated.secret, previousExpireAt: rotated.previousExpireAt }, null, 2) + '\n');
      }
      io.stdout(
        `Rotated the key of app ${id}\n  key:    ${rotated.key}\n  secret: ${rotated.secret}\n` +
          `The secret is shown this once: keep it now.\n` +
          (rotated.previousExpireAt ? `The previous keys work until ${rotated.previousExpireAt}.\n` : ''),
      );
    },
  },
  disable: {
    needsId: true,
    options: [],
    async handle({ store, id, io }) {
      await store.update(id, { enabled: false });
      io.stdout(`Disabled app ${id}\n`);
    },
  },
  enable: {
    needsId: true,
    options: [],
    async handle({ store, id, io }) {
      await store.update(id, { enabled: true });
      io.stdout(`Enabled app ${id}\n`);
    },
  },
  remove: {
    needsId: true,
    options: [],
    async handle({ store, id, io }) {
      await store.remove(id);
      io.stdout(`Removed app ${id}\n`);
    },
  },
};

function createInput(values: Values): AppCreateInput {
  const input: AppCreateInput = {};
  if (values.id !== undefined) input.id = values.id;
  if (values.key !== undefined) input.key = values.key;
  if (values.secret !== undefined) input.secret = values.secret;
  if (values.name !== undefined) input.name = values.name;
  if (values['client-events']) input.enableClientEvents = true;
  if (values['user-authentication']) input.enableUserAuthentication = true;
  if (values.disabled) input.enabled = false;
  if (values['max-connections'] !== undefined) input.maxConnections = wholeNumber('--max-connections', values['max-connections']);
  return input;
}

function wholeNumber(option: string, text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new UsageError(`${option} must be a whole number`);
  return Number(text);
}

/** Two lines or more per app: what it is, then each key with its expiry. */
function describeApp(app: App): string {
  const now = Date.now();
  const current = currentKey(app, now)?.key;
  const flags = [app.enabled ? 'enabled' : 'DISABLED', app.enableClientEvents ? 'client events' : '', app.enableUserAuthentication ? 'user authentication' : '']
    .filter(Boolean)
    .join(', ');
  const keys = app.keys.map((pair) => `  key ${pair.key}${pair.key === current ? ' (current)' : ''}${pair.expiresAt ? ` ${isLive(pair, now) ? 'expires' : 'expired'} ${pair.expiresAt}` : ''}\n`);
  return `${app.id}  ${app.name}  [${flags}]\n${keys.join('')}`;
}
