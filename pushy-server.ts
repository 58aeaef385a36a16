#!/usr/bin/env node
/**
 * Entry point, wiring only: load the config named by argv[2] (defaults without one), create the
 * server, listen, and close gracefully on SIGTERM/SIGINT.
 */
import { createBrokerAdapter } from './lib/broker/create-broker.js';
import { ConfigError, loadConfig } from './lib/config.js';
import { createSharedHistory } from './lib/history/create-history.js';
import { createLogger } from './lib/logger.js';
import { installProcessPolicy } from './lib/process-policy.js';
import { createServer } from './lib/server.js';

async function main(): Promise<void> {
  const config = loadConfig({ file: process.argv[2] });
  const logger = createLogger(config.logLevel);
  installProcessPolicy({ logger, commandsDir: config.commandsDir });
  const adapter = await createBrokerAdapter(config.adapter, logger);
  const shared = createSharedHistory(adapter.redis, config.history, logger);
  const server = await createServer({ config, logger, broker: adapter.broker, presence: adapter.presence, nodes: adapter.nodes, ...shared });
  for (const failure of server.commandsReport.failed) {
    logger.error(`custom command not loaded: ${failure.file}`, { error: failure.error });
  }
  await server.listen();
  if (server.secretKeyGenerated) {
    process.stdout.write(
      `No secretKey configured: generated one for this run only (it changes on every restart).\n` +
        `  secretKey: ${server.secretKey}\n` +
        `Set "secretKey" in your config file or PUSHY_SECRET_KEY to keep one.\n`,
    );
  }
  process.stdout.write(`Pushy is listening on ${server.url()} (SockJS at ${config.sockjs.prefix})\n`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received, closing`);
    server
      .close()
      .then(() => adapter.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error('shutdown failed', { error });
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`pushy-server: ${error.message}\n`);
  } else {
    process.stderr.write(`pushy-server: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
