import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { memoryHistory, memoryIdempotency, memoryReplays } from './adapter.js';
import { MemoryNodeRegistry, type NodeRegistry } from './nodes/node-registry.js';
import type { Broker } from './broker/broker.js';
import { MemoryBroker } from './broker/memory-broker.js';
import { ChannelManager } from './channels/channel-manager.js';
import { createChannelPolicy } from './channels/channel-policy.js';
import { MemoryPresenceStore, type PresenceStore } from './presence/presence-store.js';
import type { CommandRegistry, LoadReport } from './native/command-registry.js';
import { ConfigError, generateSecretKey, type PushyConfig } from './config.js';
import type { ConnectionInfo } from './stats/connections.js';
import type { HistoryStore } from './history/history-store.js';
import type { IdempotencyStore } from './history/idempotency-store.js';
import { RetentionPolicy } from './history/retention.js';
import { DrainGate } from './http/drain-gate.js';
import { guardOrigins, listeningOrigins } from './http/origin-guard.js';
import { createRouter } from './http/router.js';
import { createLogger, type Logger } from './logger.js';
import type { SignatureReplayStore } from './signing/replay-store.js';
import { SignaturePolicy } from './signing/signature-policy.js';
import { ListenError } from './errors.js';
import type { ExclusiveChannelStore } from './channel-rules/exclusive-channel-store.js';
import { MemoryExclusiveChannelStore } from './channel-rules/memory-exclusive-channel-store.js';
import { createTrafficCounters } from './stats/traffic.js';
import { createOperations, type Operations } from './ops/operations.js';
import { createNativeFrontEnd } from './native/front-end.js';
import { createPusherHttpApi } from './pusher/http-api/index.js';
import type { SockjsEndpoint } from './native/sockjs-server.js';
import { AppDirectory } from './apps/app-directory.js';
import { openAppStore } from './apps/open-app-store.js';
import { AppCounters } from './stats/app-counters.js';
import { createPusherFrontEnd } from './pusher/front-end.js';
import { SubscriptionCounts } from './pusher/subscription-counts.js';
import { MemorySubscriberCountStore, type SubscriberCountStore } from './counts/subscriber-count-store.js';
import { combineHooks } from './channels/channel-hooks.js';
import { guardSockjsBodies } from './native/transports/sockjs-bodies.js';
import { MemoryOccupancyStore, type OccupancyStore } from './occupancy/occupancy-store.js';
import type { RedisConnection } from './redis/redis-connection.js';
import { createServerWebhooks } from './webhooks/server-webhooks.js';
import type { Webhooks } from './webhooks/webhooks.js';
import { frontEndWebhooks, type FrontEndWebhooks } from './webhooks/front-end-webhooks.js';

/** What {@link createServer} takes. Only `config` is required. */
export interface PushyServerOptions {
  config: PushyConfig;
  /**
   * Where log lines go. Default: stderr, at `config.logLevel` (so an embedded server logs like
   * the command line one; `logLevel: "silent"` turns it off).
   */
  logger?: Logger;
  /** How events reach other nodes (default: one process, in memory). */
  broker?: Broker;
  /** Where presence members live (default: in memory). */
  presence?: PresenceStore;
  /** Channel offsets and recent events (default: in memory, bounded by `history` options). */
  history?: HistoryStore;
  /** Recent trigger idempotency keys (default: in memory). */
  idempotency?: IdempotencyStore;
  /** v3 signatures already used, refused when sent again (default: in memory, `signing.maxReplayKeys`). */
  replays?: SignatureReplayStore;
  /** Where the admin API finds this node's peers (default: none, this node alone). */
  nodes?: NodeRegistry;
  /** Which channels have subscribers anywhere, for webhooks (default: in memory, this node alone). */
  occupancy?: OccupancyStore;
  /** Every node's subscribers per channel, for `pusher_internal:subscription_count` (default: in memory, this node alone). */
  counts?: SubscriberCountStore;
  /** The Redis adapter's connection: webhooks then queue in Redis, shared by the cluster. */
  redis?: RedisConnection;
  /**
   * The apps this server serves (default: built from `config.apps`, the config store or the
   * PostgreSQL one as `apps.store.type` says, with the top-level `secretKey` as the default app).
   * One given here is the embedder's: the server does not close its store.
   */
  apps?: AppDirectory;
  /** Places on exclusive channels (`channels` rules) (default: in memory, this node alone). */
  exclusive?: ExclusiveChannelStore;
}

/** A running (or ready to listen) Pushy server. */
export interface PushyServer {
  readonly config: PushyConfig;
  /** The secret in use: the configured one or, when none was, a random one. */
  readonly secretKey: string;
  /** True when {@link secretKey} was generated for this run. */
  readonly secretKeyGenerated: boolean;
  readonly httpServer: http.Server;
  readonly channels: ChannelManager;
  readonly commands: CommandRegistry;
  readonly sockjs: SockjsEndpoint;
  /** What loading `commandsDir` gave. */
  readonly commandsReport: LoadReport;
  /**
   * The apps: the default app (id `default`, the top-level `secretKey`) and those of the store.
   * Every front end looks apps up here (by key for sockets, by id for HTTP requests) and
   * watches its `onChange` to close a disabled app's sockets.
   */
  readonly apps: AppDirectory;
  /** Every app's webhooks (and their `stats`): embedders emit anything here. */
  readonly webhooks: Webhooks;
  /** What front ends tell the webhooks: `client_event`, `cache_miss` (the Pusher front end takes it). */
  readonly frontEndWebhooks: FrontEndWebhooks;
  /**
   * Starts listening on the configured host and port; rejects with a {@link ListenError}. With
   * `path`, on that Unix socket instead: a cluster worker, whose connections are handed to it
   * by the primary (listening still makes the HTTP server track them and apply its timeouts).
   */
  listen(): Promise<AddressInfo>;
  listen(target: { path: string }): Promise<string>;
  /** `http(s)://host:port` once listening. */
  url(): string;
  /**
   * Graceful stop: new triggers get 503 and new sockets are refused; triggers already accepted
   * are delivered; then every socket is closed with a SockJS close frame, then the broker.
   */
  close(): Promise<void>;
}

/** SockJS close code and reason sent to clients on shutdown. */
export const SHUTDOWN_CLOSE = { code: 1001, reason: 'Server shutting down' } as const;

/** Longest wait for polling sessions to take their close frame during shutdown. */
const SHUTDOWN_GRACE_MS = 1500;

/** Longest wait during shutdown for triggers already accepted (a slow upload) to finish. */
const TRIGGER_DRAIN_MS = 10_000;

/** Builds a server from its parts; nothing listens until {@link PushyServer.listen}. */
export async function createServer(options: PushyServerOptions): Promise<PushyServer> {
  const { config } = options;
  // Without a logger of the embedder's own, honour the configured level rather than drop
  // everything: a `logLevel` that silently does nothing is a trap (issue #20, snag 6).
  const logger = options.logger ?? createLogger(config.logLevel, undefined, config.log.format);
  const secretKeyGenerated = config.secretKey === '';
  const secretKey = secretKeyGenerated ? generateSecretKey() : config.secretKey;
  const broker = options.broker ?? new MemoryBroker();
  const presence = options.presence ?? new MemoryPresenceStore();
  const history = options.history ?? memoryHistory(config);
  const idempotency = options.idempotency ?? memoryIdempotency(config);
  const replays = options.replays ?? memoryReplays(config);
  const exclusive = options.exclusive ?? new MemoryExclusiveChannelStore(broker.nodeId);
  const retention = new RetentionPolicy(config.history.rules, { size: config.history.size, ttl: config.history.ttl });

  const httpServer = createHttpServer(config);
  // A store that cannot start (PostgreSQL unreachable) fails the start with a catalogue error.
  const apps = options.apps ?? new AppDirectory({ store: await openAppStore(config.apps, logger), secretKey, defaultAppWebhooks: config.webhooks.defaultApp });
  const { limits } = config;
  const traffic = createTrafficCounters();
  const policy = createChannelPolicy({ maxNameLength: limits.maxChannelNameLength });
  const appCounters = new AppCounters();
  const occupancy = options.occupancy ?? new MemoryOccupancyStore();
  const webhooks = createServerWebhooks({ config, apps, logger, occupancy, redis: options.redis && { connection: options.redis, nodeId: broker.nodeId } });
  const counts = options.counts ?? new MemorySubscriberCountStore();
  // Follows the channel core's subscriber counts, so native subscribes change the count too.
  const subscriptionCounts = new SubscriptionCounts({ apps, store: counts, broker, logger, webhooks: webhooks.webhooks });
  const channels = new ChannelManager({
    broker,
    presence,
    history,
    retention,
    logger,
    maxChannelsPerConnection: limits.maxChannelsPerConnection,
    maxPresenceMembers: limits.maxPresenceMembers,
    policy,
    traffic,
    // An app's own limits override the global ones; its refusals are counted per app.
    appLimits: (app) => apps.get(app)?.limits,
    onLimitRefusal: (app, name) => appCounters.refusal(app, name),
    hooks: combineHooks(webhooks.sources, subscriptionCounts),
  });
  // Health, metrics and admin; they read the SockJS and Pusher connections (attached below) when asked.
  const connections = (): ReadonlySet<ConnectionInfo> => (pusher.sessions.size === 0 ? endpoint.connections : new Set<ConnectionInfo>([...endpoint.connections, ...pusher.sessions]));
  const nodes = options.nodes ?? new MemoryNodeRegistry();
  // The config may still be refused below (half an admin credential, a commands folder that is
  // not there): then a store opened here is closed again, or its connections keep the process up.
  const abandon = async (error: unknown): Promise<never> => {
    if (!options.apps) await apps.store.close().catch(() => undefined);
    throw error;
  };
  let ops: Operations;
  try {
    ops = createOperations({ config, broker, channels, policy, connections, traffic, logger, secretKey, nodes, apps, appCounters });
  } catch (error) {
    return abandon(error);
  }
  // Triggers pass this gate until shutdown; shutdown waits for those it let in.
  const triggers = new DrainGate();
  // The one signature rule, for every place that checks one.
  const signatures = new SignaturePolicy({ secretKey, timestampTolerance: config.timestampTolerance, legacy: config.signing.legacy, replays, logger });
  // What the front ends report to the webhooks (client events, cache misses).
  const reported = frontEndWebhooks(webhooks.webhooks);
  const native = await createNativeFrontEnd({
    config,
    webhooks: reported,
    logger,
    channels,
    policy,
    traffic,
    apps,
    appCounters,
    signatures,
    secretKey,
    broker,
    exclusiveStore: exclusive,
    history,
    retention,
    idempotency,
    triggers,
    instrumentTrigger: ops.instrumentTrigger,
    accepting: () => (triggers.isDraining ? SHUTDOWN_CLOSE : undefined),
  }).catch(abandon);
  const pusher = createPusherFrontEnd({ apps, channels, broker, history, retention, logger, maxPresenceDataBytes: limits.maxPresenceDataBytes, maxBufferedBytes: limits.maxBufferedBytes, maxPayload: limits.maxFrameBytes, maxConnections: limits.maxConnections, webhooks: webhooks.webhooks });
  const pusherApi = createPusherHttpApi({ apps, channels, nodes, presence, replays, history, retention, logger, gate: triggers });
  httpServer.on('request', createRouter([...native.routes, ...pusher.routes, ...pusherApi, ...ops.routes], logger));
  const endpoint = native.attach(httpServer);
  pusher.attach(httpServer);
  // The Pusher HTTP fallbacks are SockJS too: their bodies are bounded the same way.
  guardSockjsBodies(httpServer, { prefix: pusher.fallbackPrefix, maxBytes: limits.maxFrameBytes, logger });
  // Known once listening (port 0 picks one); requests only come after that.
  let ownOrigins: string[] = [];
  // A cluster worker listens on a Unix socket: its public address is the configured one (the
  // primary's, with the port it bound).
  httpServer.once('listening', () => (ownOrigins = listeningOrigins(typeof httpServer.address() === 'string' ? urlOf(config.host, config.port) : server.url(), config.host)));
  guardOrigins(httpServer, { prefix: config.sockjs.prefix, allowedOrigins: config.sockjs.allowedOrigins, ownOrigins: () => ownOrigins, logger });
  const { commands, commandsReport } = native;

  /** `http(s)://host:port`, the any-address shown as loopback. */
  function urlOf(address: string, port: number): string {
    const host = address.includes(':') ? `[${address}]` : address;
    const shownHost = host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
    return `${config.ssl.cert ? 'https' : 'http'}://${shownHost}:${port}`;
  }

  let closing: Promise<void> | undefined;
  const server: PushyServer = {
    config,
    secretKey,
    secretKeyGenerated,
    httpServer,
    channels,
    commands,
    sockjs: endpoint,
    commandsReport,
    apps,
    webhooks: webhooks.webhooks,
    frontEndWebhooks: reported,
    listen: ((target?: { path: string }) =>
      new Promise<AddressInfo | string>((resolve, reject) => {
        const failed = (error: NodeJS.ErrnoException): void => reject(new ListenError(target?.path ?? `${config.host}:${config.port}`, error));
        const listening = (): void => {
          httpServer.off('error', failed);
          const address = httpServer.address() as AddressInfo | string;
          ops.start();
          if (!target) logger.info('Pushy listening', { url: server.url(), sockjsPrefix: config.sockjs.prefix });
          resolve(address);
        };
        httpServer.once('error', failed);
        if (target) httpServer.listen(target.path, listening);
        else httpServer.listen(config.port, config.host, listening);
      })) as PushyServer['listen'],
    url: () => {
      const address = httpServer.address() as AddressInfo | string | null;
      if (!address || typeof address === 'string') throw new Error('server is not listening on a TCP port');
      return urlOf(address.address, address.port);
    },
    close: () => {
      closing ??= shutdown();
      return closing;
    },
  };
  return server;

  async function shutdown(): Promise<void> {
    logger.info('Pushy shutting down', { connections: endpoint.connections.size });
    // Ready answers 503 from here (and for health.drainDelay the server goes on as before), so
    // that load balancers stop routing new clients here.
    await ops.drain();
    // From here new triggers get 503 and new sockets are closed, while the server still listens
    // so that they hear it. Triggers already let in finish (and reach the sockets' buffers,
    // ahead of the close frames) before any socket is closed.
    await within(triggers.drain(), TRIGGER_DRAIN_MS);
    // Still listening while the sockets close: a polling client needs one more request (a new
    // TCP connection, maybe) to collect its last events and the close frame.
    await within(endpoint.closeAll(SHUTDOWN_CLOSE.code, SHUTDOWN_CLOSE.reason), SHUTDOWN_GRACE_MS);
    pusher.closeAll();
    const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    httpServer.closeAllConnections();
    await stopped;
    await ops.close();
    // The counts' last writes (this node's subscribers gone), then the store takes what is left of
    // this node's counts out and the new totals are announced, while the broker is up and before
    // presence takes the node out of the node list (after which nobody would reap them).
    await subscriptionCounts.drain();
    await counts.close();
    await subscriptionCounts.close();
    // Presence first: a shared store announces this node's leaving members through the broker.
    await presence.close();
    // Removals still waiting are settled and queued, and the queue handed over, while Redis is up.
    await webhooks.close();
    await occupancy.close();
    await broker.close();
    await history.close();
    await idempotency.close();
    await replays.close();
    // The embedder's own directory is theirs to close.
    if (!options.apps) await apps.store.close();
    await exclusive.close();
    logger.info('Pushy stopped');
  }
}

function createHttpServer(config: PushyConfig): http.Server {
  if (!config.ssl.key && !config.ssl.cert) return http.createServer();
  if (!config.ssl.key || !config.ssl.cert) throw new ConfigError('ssl.key and ssl.cert must be set together');
  const read = (key: 'key' | 'cert'): Buffer => {
    try {
      return readFileSync(config.ssl[key]);
    } catch (error) {
      throw new ConfigError(`ssl.${key}: cannot read ${config.ssl[key]} (${(error as Error).message})`);
    }
  };
  return https.createServer({ key: read('key'), cert: read('cert') }) as unknown as http.Server;
}

/** Waits for `work`, but no longer than `ms`. */
async function within(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
