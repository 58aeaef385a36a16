import { createAdapter } from '../adapter.js';
import { installProcessPolicy } from '../process-policy.js';
import { ClusterPrimary } from '../cluster/primary.js';
import { generateSecretKey, loadConfig, workerCount, type PushyConfig } from '../config.js';
import { UsageError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { warnings } from '../config-warnings.js';
import { createServer, type PushyServer } from '../server.js';
import { COMMON_OPTIONS, configFileArg, parseCommandLine } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { COMMANDS } from './commands.js';
import { packageVersion } from './version.js';

const OPTIONS = {
  ...COMMON_OPTIONS,
  port: { type: 'string', short: 'p' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** `pushy-server --help`: how to start the server, and the subcommands. */
function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const commands = COMMANDS.map((command) => `  pushy-server ${command.name.padEnd(width)}  ${command.summary}`).join('\n');
  return `Usage: pushy-server [config.json] [options]
       pushy-server <command> [arguments] [options]

Starts the Pushy server. Configuration comes from the built-in defaults, then the JSON config
file, then PUSHY_* environment variables, then the options below.

Options:
  -c, --config <file>  JSON config file (or give it as the argument)
  -p, --port <port>    TCP port to listen on, 0 for a free one (over "port" and PUSHY_PORT)
  -h, --help           show this help
  -v, --version        show the version

Commands:
${commands}

Run "pushy-server <command> --help" for a command's arguments and options.
`;
}

/** A started server, one process or a cluster of workers. */
interface Running {
  url(): string;
  /** Graceful stop, then the shared state is let go. */
  close(): Promise<void>;
}

/** One process: the adapter's stores and broker, one server. */
async function startSingle(config: PushyConfig, logger: Logger): Promise<Running> {
  const adapter = await createAdapter(config, logger);
  const { broker, presence, nodes, history, idempotency, replays, occupancy, redis, exclusive, counts } = adapter;
  let server: PushyServer | undefined;
  try {
    server = await createServer({ config, logger, broker, presence, nodes, history, idempotency, replays, occupancy, redis, exclusive, counts });
    for (const failure of server.commandsReport.failed) {
      logger.error(`custom command not loaded: ${failure.file}`, { error: failure.error });
    }
    await server.listen();
  } catch (error) {
    // Nothing was served: let go of Redis (and the app store) so that the process can end with the error.
    await server?.apps.store.close().catch((closeError: unknown) => logger.warn('closing the app store failed', { error: closeError }));
    await adapter.close().catch((closeError: unknown) => logger.warn('closing the broker failed', { error: closeError }));
    throw error;
  }
  const running = server;
  return {
    url: () => running.url(),
    close: async () => {
      await running.close();
      await adapter.close();
    },
  };
}

/** `workers` processes behind this one (see lib/cluster/primary.ts). */
async function startCluster(config: PushyConfig, logger: Logger, io: CliIo): Promise<Running> {
  const primary = new ClusterPrimary({ config, logger, workers: config.workers as number, env: io.env });
  await primary.start();
  return primary;
}

/** The port option: an integer from 0 to 65535. */
function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--port: must be an integer from 0 to 65535, was ${JSON.stringify(text)}`);
  return port;
}

/**
 * The default command: load the configuration, build the broker and stores, create the server,
 * listen, print the banner on stdout and close gracefully on SIGTERM/SIGINT.
 */
export const serveCommand: CliCommand = {
  name: '',
  summary: 'start the server',
  get help() {
    return overview();
  },
  async run(args: string[], io: CliIo) {
    const { values, positionals } = parseCommandLine(args, OPTIONS);
    if (values.help) {
      io.out(overview());
      return 0;
    }
    if (values.version) {
      io.out(`${packageVersion()}\n`);
      return 0;
    }
    const file = configFileArg(values.config, positionals);
    const loaded = loadConfig({ file, env: io.env, overrides: values.port === undefined ? undefined : { port: parsePort(values.port) } });
    const logger = createLogger(loaded.logLevel, undefined, loaded.log.format);
    installProcessPolicy({ logger, commandsDir: loaded.commandsDir });
    // Valid but risky settings (unsigned triggers from trusted networks...): said once, at start.
    for (const warning of warnings(loaded)) logger.warn(warning);
    const workers = workerCount(loaded);
    // Every worker must sign with the same secret: one is generated here, once, when none is set.
    const secretKeyGenerated = loaded.secretKey === '';
    const config: PushyConfig = { ...loaded, workers, secretKey: secretKeyGenerated ? generateSecretKey() : loaded.secretKey };
    const running = workers > 1 ? await startCluster(config, logger, io) : await startSingle(config, logger);
    if (secretKeyGenerated) {
      io.out(
        `No secretKey configured: generated one for this run only (it changes on every restart).\n` +
          `  secretKey: ${config.secretKey}\n` +
          `Set "secretKey" in your config file or PUSHY_SECRET_KEY to keep one.\n`,
      );
    }
    let stopping = false;
    const stop = async (signal: string): Promise<void> => {
      if (stopping) return;
      stopping = true;
      logger.info(`${signal} received, closing`);
      try {
        await running.close();
      } catch (error) {
        logger.error('shutdown failed', { error });
        process.exit(1);
      }
      process.exit(0);
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
    // Said last: whoever waits for this line (a supervisor, a test) may send a signal at once.
    io.out(`Pushy is listening on ${running.url()} (SockJS at ${config.sockjs.prefix}${workers > 1 ? `, ${workers} workers` : ''})\n`);
    return undefined;
  },
};
