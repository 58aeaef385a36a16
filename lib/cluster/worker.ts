import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAdapter } from '../adapter.js';
import { workerCount, type PushyConfig } from '../config.js';
import { IpcExclusiveChannelStore } from '../channel-rules/ipc-exclusive-channel-store.js';
import { IpcBroker } from '../ipc/ipc-broker.js';
import { IpcOccupancyStore } from '../ipc/ipc-occupancy-store.js';
import { IpcSubscriberCountStore } from '../ipc/ipc-count-store.js';
import { IpcPresenceStore } from '../ipc/ipc-presence-store.js';
import { IpcHistoryStore, IpcIdempotencyStore, IpcReplayStore } from '../ipc/ipc-stores.js';
import type { ClusterMessage, Link } from '../ipc/link.js';
import { RpcClient } from '../ipc/rpc.js';
import { createLogger, type Logger } from '../logger.js';
import { installProcessPolicy } from '../process-policy.js';
import { createServer, type PushyServerOptions } from '../server.js';
import { guardSessions } from './session-guard.js';
import { sessionRouter } from './sticky.js';

/** The shared parts of a worker and how to let go of them. */
interface WorkerParts extends Omit<PushyServerOptions, 'config' | 'logger'> {
  close(): Promise<void>;
}

/**
 * The parts a worker shares with the others: through the primary (lib/ipc/) in memory mode, or
 * as a node of its own on Redis.
 */
async function sharedParts(config: PushyConfig, logger: Logger, link: Link, rpc: RpcClient): Promise<WorkerParts> {
  if (config.adapter.type === 'redis') return createAdapter(config, logger);
  const broker = new IpcBroker(link, rpc);
  return {
    broker,
    presence: new IpcPresenceStore(link, rpc),
    history: new IpcHistoryStore(rpc),
    idempotency: new IpcIdempotencyStore(rpc),
    replays: new IpcReplayStore(rpc),
    occupancy: new IpcOccupancyStore(link, rpc),
    counts: new IpcSubscriberCountStore(link, rpc),
    exclusive: new IpcExclusiveChannelStore(rpc, broker.nodeId),
    close: async () => {},
  };
}

/** Waits for the primary's first message, which says who this worker is. */
function startMessage(link: Link): Promise<Extract<ClusterMessage, { kind: 'start' }>> {
  return new Promise((resolve) => {
    const remove = link.onMessage((message) => {
      if (message.kind !== 'start') return;
      remove();
      resolve(message);
    });
  });
}

/**
 * One worker of `workers: N`: a whole Pushy server (channels, SockJS, triggers, operations)
 * whose connections the primary hands over. It listens on a Unix socket in a private folder
 * only so that its HTTP server tracks connections and applies its timeouts; nothing connects
 * there. Stops gracefully on SIGTERM/SIGINT, and when the primary goes away.
 */
export async function runWorker(link: Link): Promise<void> {
  const rpc = new RpcClient(link);
  const { index, config: received } = await startMessage(link);
  const config = received as PushyConfig;
  const logger = createLogger(config.logLevel, undefined, config.log.format);
  installProcessPolicy({ logger, commandsDir: config.commandsDir });
  const parts = await sharedParts(config, logger, link, rpc);
  const server = await createServer({ config, logger, ...parts });
  for (const failure of server.commandsReport.failed) logger.error(`custom command not loaded: ${failure.file}`, { error: failure.error });
  const folder = mkdtempSync(path.join(tmpdir(), 'pushy-worker-'));
  await server.listen({ path: path.join(folder, 'http.sock') });
  guardSessions(server.httpServer, { router: sessionRouter(config, workerCount(config)), index, link, logger });

  link.onMessage((message, handle) => {
    if (message.kind !== 'connection' || !handle) return;
    adopt(server.httpServer, handle, Buffer.from(message.head, 'base64'));
  });

  let stopping = false;
  const stop = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info(`worker ${index}: ${why}, closing`);
    let code = 0;
    try {
      await server.close();
      await parts.close();
    } catch (error) {
      logger.error('worker shutdown failed', { worker: index, error });
      code = 1;
    }
    rmSync(folder, { recursive: true, force: true });
    rpc.failAll('worker stopped');
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop('SIGTERM received'));
  process.on('SIGINT', () => void stop('SIGINT received'));
  process.on('disconnect', () => void stop('the primary went away'));
  link.send({ kind: 'ready' });
}

/**
 * Serves a connection the primary accepted: the HTTP server takes the socket as if it had
 * accepted it, and reads first the bytes the primary already read from it.
 */
function adopt(httpServer: import('node:http').Server, socket: Socket, head: Buffer): void {
  httpServer.emit('connection', socket);
  if (head.length > 0) socket.emit('data', head);
  socket.resume();
}
