import { Cluster, Redis, ReplyError } from 'ioredis';
import { PushyError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RedisEndpoint } from './redis-endpoints.js';

/** What a {@link RedisConnection} needs. */
export interface RedisConnectionOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://` for TLS. */
  url: string;
  /** Prefix of every key and pub/sub channel (see {@link RedisConnection.key}). */
  keyPrefix: string;
  /** Milliseconds a command may take before it fails. */
  commandTimeout: number;
  /** Longest wait between reconnection attempts, in milliseconds. */
  maxReconnectDelay: number;
  /**
   * Sentinels that name the primary (`sentinelName`); when given, `url`'s host and port are not
   * used (its password, database and TLS are) and a failover is followed by reconnecting to the
   * promoted replica.
   */
  sentinels?: RedisEndpoint[];
  /** The primary's name at the sentinels. */
  sentinelName?: string;
  /**
   * Seed nodes of a Redis Cluster; when given, `url` only lends its password and TLS. Commands
   * go to the primary of their key's slot; the subscriber uses sharded pub/sub (SSUBSCRIBE).
   */
  cluster?: RedisEndpoint[];
  logger: Logger;
}

/**
 * The two ioredis clients a node holds (one for commands, one in subscriber mode) and their
 * health. Shared by everything that talks to Redis (broker, presence, history) so that a node
 * keeps one pair of sockets, one reconnect policy and one outage log.
 *
 * Commands never queue while Redis is away (`enableOfflineQueue: false`) and time out after
 * `commandTimeout`, so callers get a quick {@link PushyError} `UNAVAILABLE` instead of a hang.
 */
export class RedisConnection {
  readonly commands: Redis | Cluster;
  readonly subscriber: Redis | Cluster;
  /** Where Redis is, for logs: host and port only, never the password. */
  readonly address: string;
  /** True on a Redis Cluster: pub/sub is sharded and every script's keys must share one slot. */
  readonly isCluster: boolean;
  private readonly readyListeners = new Set<() => void>();
  private readonly logger: Logger;
  private readonly prefix: string;
  /** When the current outage began; set until both clients are ready (so also before the first connect). */
  private outageSince: number | undefined = Date.now();
  private everConnected = false;
  private closing = false;

  constructor(options: RedisConnectionOptions) {
    this.logger = options.logger;
    this.prefix = options.keyPrefix;
    const sentinels = options.sentinels ?? [];
    this.isCluster = (options.cluster ?? []).length > 0;
    this.address = sentinels.length > 0 ? `sentinel ${options.sentinelName ?? ''}` : describeAddress(options.url);
    const clientOptions = {
      ...(sentinels.length > 0 ? sentinelOptions(sentinels, options.sentinelName ?? '', options.maxReconnectDelay) : {}),
      enableOfflineQueue: false,
      commandTimeout: options.commandTimeout,
      maxRetriesPerRequest: 0,
      // The broker resubscribes itself: it knows which channels still have local subscribers.
      autoResubscribe: false,
      retryStrategy: (attempt: number) => Math.min(100 * 2 ** Math.min(attempt - 1, 10), options.maxReconnectDelay),
    };
    const cluster = options.cluster ?? [];
    if (cluster.length > 0) {
      this.address = `cluster ${cluster.map((node) => `${node.host}:${node.port}`).join(',')}`;
      this.commands = clusterClient(cluster, options, 'pushy-commands', false);
      this.subscriber = clusterClient(cluster, options, 'pushy-subscriber', true);
    } else {
      this.commands = new Redis(options.url, { ...clientOptions, connectionName: 'pushy-commands' });
      this.subscriber = new Redis(options.url, { ...clientOptions, connectionName: 'pushy-subscriber' });
    }
    for (const [role, client] of [['commands', this.commands], ['subscriber', this.subscriber]] as const) {
      client.on('ready', () => this.clientReady());
      client.on('close', () => this.clientLost(role));
      client.on('error', (error: Error) => this.clientError(role, error));
    }
  }

  /** True when both clients can talk to Redis now. */
  get isUp(): boolean {
    return this.commands.status === 'ready' && this.subscriber.status === 'ready';
  }

  /** `ready` (both clients up), `connecting` (never connected yet), `reconnecting` (an outage) or `closed`. */
  get state(): 'ready' | 'connecting' | 'reconnecting' | 'closed' {
    if (this.closing) return 'closed';
    if (this.isUp) return 'ready';
    return this.everConnected ? 'reconnecting' : 'connecting';
  }

  /** A key or channel name under the configured prefix: `key('presence', ch)` -> `pushy:presence:ch`. */
  key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  /**
   * Calls `listener` every time both clients become ready: on first connect and after every
   * reconnect (when subscriptions and presence must be restored). Returns its remover.
   */
  onReady(listener: () => void): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  /** Resolves true once both clients are ready, false if that takes longer than `timeoutMs`. */
  waitUntilReady(timeoutMs: number): Promise<boolean> {
    if (this.isUp) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        remove();
        resolve(false);
      }, timeoutMs);
      const remove = this.onReady(() => {
        clearTimeout(timer);
        remove();
        resolve(true);
      });
    });
  }

  /**
   * Runs a command on the commands client. Connection trouble (Redis away, timeout) becomes
   * `UNAVAILABLE`; a reply error (a bug, a wrong Redis) is rethrown as is.
   */
  async run<T>(what: string, command: (redis: Redis | Cluster) => Promise<T>): Promise<T> {
    if (this.commands.status !== 'ready') throw unavailable(what);
    try {
      return await command(this.commands);
    } catch (error) {
      if (error instanceof ReplyError) throw error;
      this.logger.debug('redis command failed', { what, error });
      throw unavailable(what);
    }
  }

  /** Closes both clients; no reconnection afterwards. */
  async close(): Promise<void> {
    this.closing = true;
    this.readyListeners.clear();
    await Promise.all([this.quit(this.commands), this.quit(this.subscriber)]);
  }

  /**
   * The same clients under a longer key prefix (`<prefix><suffix>`): on a Redis Cluster, a
   * hash tag in the suffix puts every key and sharded channel of the view in one slot, so that
   * scripts and SSUBSCRIBE work. The view shares the clients, health and ready listeners;
   * closing it closes nothing (close the connection it came from).
   */
  scoped(suffix: string): RedisConnection {
    const view = Object.create(this) as RedisConnection;
    Object.defineProperty(view, 'prefix', { value: this.prefix + suffix });
    Object.defineProperty(view, 'close', { value: async () => {} });
    // Each view's broker listens on the shared subscriber.
    this.subscriber.setMaxListeners(this.subscriber.getMaxListeners() + 1);
    return view;
  }

  private async quit(client: Redis | Cluster): Promise<void> {
    if (client.status !== 'ready') {
      client.disconnect();
      return;
    }
    try {
      await client.quit();
    } catch (error) {
      this.logger.debug('redis QUIT failed; dropping the socket', { redis: this.address, error });
      client.disconnect();
    }
  }

  private clientReady(): void {
    if (!this.isUp) return;
    if (this.outageSince !== undefined) {
      if (this.everConnected) {
        this.logger.info('redis connection restored', { redis: this.address, outageMs: Date.now() - this.outageSince });
      } else {
        this.logger.info('redis connected', { redis: this.address });
      }
      this.everConnected = true;
      this.outageSince = undefined;
    }
    for (const listener of [...this.readyListeners]) listener();
  }

  private clientLost(role: string): void {
    if (this.closing || this.outageSince !== undefined) return;
    this.outageSince = Date.now();
    this.logger.warn('redis connection lost: triggers answer 503 and presence joins fail until it is back; reconnecting', {
      redis: this.address,
      client: role,
    });
  }

  private clientError(role: string, error: Error): void {
    // During an outage ioredis reports every failed reconnect; the outage itself is logged once.
    if (this.outageSince !== undefined) {
      this.logger.debug('redis error', { redis: this.address, client: role, error: error.message });
      return;
    }
    this.logger.warn('redis error', { redis: this.address, client: role, error: error.message });
  }
}

function unavailable(what: string): PushyError {
  return new PushyError('UNAVAILABLE', `Redis is unavailable (${what}); try again later`);
}

/**
 * An ioredis Cluster client with the connection's policy: no offline queue, a command timeout,
 * reconnecting with backoff. The subscriber one opens a sharded-subscriber connection per
 * primary, so each SSUBSCRIBE goes to the primary of its channel's slot.
 */
function clusterClient(nodes: RedisEndpoint[], options: RedisConnectionOptions, name: string, subscriber: boolean): Cluster {
  const backoff = (attempt: number) => Math.min(100 * 2 ** Math.min(attempt - 1, 10), options.maxReconnectDelay);
  const url = new URL(options.url);
  return new Cluster(nodes, {
    enableOfflineQueue: false,
    clusterRetryStrategy: backoff,
    shardedSubscribers: subscriber,
    redisOptions: {
      connectionName: name,
      commandTimeout: options.commandTimeout,
      maxRetriesPerRequest: 0,
      autoResubscribe: false,
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  });
}

/**
 * ioredis options for a primary found through Sentinel: each reconnect asks the sentinels
 * where the primary is now. (ioredis's `failoverDetector` is left off: with it, a client whose
 * primary died ended for good instead of reconnecting to the promoted replica.)
 */
function sentinelOptions(sentinels: RedisEndpoint[], name: string, maxReconnectDelay: number) {
  return {
    sentinels,
    name,
    sentinelRetryStrategy: (attempt: number) => Math.min(100 * 2 ** Math.min(attempt - 1, 10), maxReconnectDelay),
  };
}

function describeAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'redis (unparsable url)';
  }
}
