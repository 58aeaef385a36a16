import { randomBytes } from 'node:crypto';
import convict from 'convict';
import type { RetentionRule } from './history/retention.js';
import { LOG_LEVELS, type LogLevel } from './logger.js';
import { MAX_CHANNEL_NAME_LENGTH } from './protocol.js';

/** `history.rules`: a list of `{match, size, ttl}`; from the environment, as JSON text. */
convict.addFormat({
  name: 'history-rules',
  validate(value: unknown) {
    if (!Array.isArray(value)) throw new Error('must be an array of {"match", "size", "ttl"}');
    value.forEach((rule: unknown, index) => {
      const r = rule as Partial<RetentionRule> | null;
      const keys = typeof r === 'object' && r !== null ? Object.keys(r).sort().join(',') : '';
      if (keys !== 'match,size,ttl') throw new Error(`rule ${index} must have exactly "match", "size" and "ttl"`);
      if (typeof r!.match !== 'string' || r!.match.length === 0 || r!.match.length > 200) throw new Error(`rule ${index}: "match" must be a channel name pattern`);
      for (const key of ['size', 'ttl'] as const) {
        const n = r![key];
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new Error(`rule ${index}: "${key}" must be a non-negative integer`);
      }
    });
  },
  coerce: parseRulesText,
});

/** Parses rules given as JSON text; text that is not JSON stays a string, which validation refuses. */
function parseRulesText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * The configuration schema. Every option has a doc, a format, a default and an environment
 * variable; `config.example.json` lists them all and a test keeps the two in sync.
 */
const schema = {
  port: { doc: 'TCP port to listen on (0 picks a free one).', format: 'port', default: 8123, env: 'PUSHY_PORT' },
  host: { doc: 'Interface to bind to.', format: String, default: '0.0.0.0', env: 'PUSHY_HOST' },
  secretKey: {
    doc: 'Secret shared with your backends; signs triggers and channel auth. Empty: a random one per run.',
    format: String,
    default: '',
    env: 'PUSHY_SECRET_KEY',
    sensitive: true,
  },
  timestampTolerance: {
    doc: 'How far (seconds) a trigger timestamp may be from the server clock, either way.',
    format: 'nat',
    default: 600,
    env: 'PUSHY_TIMESTAMP_TOLERANCE',
  },
  logLevel: {
    doc: 'Least severe level that is logged.',
    format: [...LOG_LEVELS],
    default: 'info' as LogLevel,
    env: 'PUSHY_LOG_LEVEL',
  },
  commandsDir: {
    doc: 'Folder of custom command modules loaded at start (empty: none).',
    format: String,
    default: '',
    env: 'PUSHY_COMMANDS_DIR',
  },
  sockjs: {
    prefix: { doc: 'URL path of the SockJS endpoint.', format: String, default: '/pushy/socket', env: 'PUSHY_SOCKJS_PREFIX' },
    heartbeatDelay: { doc: 'Milliseconds between heartbeat frames on idle connections.', format: 'nat', default: 25000, env: 'PUSHY_SOCKJS_HEARTBEAT_DELAY' },
    disconnectDelay: { doc: 'Milliseconds a polling session may be without a receiving request before it is closed.', format: 'nat', default: 5000, env: 'PUSHY_SOCKJS_DISCONNECT_DELAY' },
    responseLimit: { doc: 'Bytes a streaming response may carry before the client must open a new one.', format: 'nat', default: 131072, env: 'PUSHY_SOCKJS_RESPONSE_LIMIT' },
    websocket: { doc: 'Offer the WebSocket transport.', format: Boolean, default: true, env: 'PUSHY_SOCKJS_WEBSOCKET' },
    clientUrl: {
      doc: 'URL of sockjs-client that the iframe transports load; Pushy serves its own copy at the default.',
      format: String,
      default: '/pushy/sockjs.min.js',
      env: 'PUSHY_SOCKJS_CLIENT_URL',
    },
    allowedOrigins: {
      doc: 'Origins (e.g. https://app.example.com, https://*.example.com) browsers may connect from, and the only ones SockJS answers with credentialed CORS; empty: any. Requests without an Origin header, and from the server\'s own listening origin, are always let in; list the public origin of Pushy itself when clients reach it through a proxy or another name (the iframe transports need it).',
      format: Array,
      default: [] as string[],
      env: 'PUSHY_SOCKJS_ALLOWED_ORIGINS',
    },
  },
  ssl: {
    key: { doc: 'Path of the PEM private key; with cert, serve HTTPS and secure WebSocket.', format: String, default: '', env: 'PUSHY_SSL_KEY' },
    cert: { doc: 'Path of the PEM certificate chain.', format: String, default: '', env: 'PUSHY_SSL_CERT' },
  },
  limits: {
    maxConnections: { doc: 'Most open SockJS connections on this node; more are closed at once with code 4503.', format: 'nat', default: 10000, env: 'PUSHY_MAX_CONNECTIONS' },
    maxConnectionsPerIp: {
      doc: 'Most open SockJS connections from one client address (IPv6: one /64) on this node; more are closed at once with code 4429. 0: no limit (the default: behind a proxy every client has its address).',
      format: 'nat',
      default: 0,
      env: 'PUSHY_MAX_CONNECTIONS_PER_IP',
    },
    maxChannelsPerConnection: { doc: 'Most channels one connection may be subscribed to (more: pushy:error 429).', format: 'nat', default: 100, env: 'PUSHY_MAX_CHANNELS_PER_CONNECTION' },
    framesPerSecond: { doc: 'Client frames per second a connection may send on average (token bucket refill rate; over it: pushy:error 429).', format: 'nat', default: 20, env: 'PUSHY_FRAMES_PER_SECOND' },
    frameBurst: { doc: 'Client frames a connection may send at once before the rate applies (token bucket size; enough to subscribe to maxChannelsPerConnection channels at once).', format: 'nat', default: 100, env: 'PUSHY_FRAME_BURST' },
    maxRejectedFrames: {
      doc: 'Over-rate frames tolerated before a flooding connection is closed with code 4029; a tenth of it is forgiven per second.',
      format: 'nat',
      default: 100,
      env: 'PUSHY_MAX_REJECTED_FRAMES',
    },
    maxQueuedFrames: { doc: 'Client frames waiting to be handled per connection; more are refused with pushy:error 429.', format: 'nat', default: 100, env: 'PUSHY_MAX_QUEUED_FRAMES' },
    maxFrameBytes: { doc: 'Largest client frame, in bytes (UTF-8; more: pushy:error 413).', format: 'nat', default: 16384, env: 'PUSHY_MAX_FRAME_BYTES' },
    maxBufferedBytes: {
      doc: 'Bytes sent to a connection that its transport has not flushed yet; past it the client is a slow consumer and is closed with code 4009.',
      format: 'nat',
      default: 1048576,
      env: 'PUSHY_MAX_BUFFERED_BYTES',
    },
    maxPresenceDataBytes: { doc: 'Largest presence data on a subscribe, in bytes (more: pushy:error 413).', format: 'nat', default: 4096, env: 'PUSHY_MAX_PRESENCE_DATA_BYTES' },
    maxPresenceMembers: { doc: 'Most members on one presence channel (more: pushy:error 429).', format: 'nat', default: 1000, env: 'PUSHY_MAX_PRESENCE_MEMBERS' },
    maxTriggerBodyBytes: { doc: 'Largest trigger request body, in bytes (more: HTTP 413).', format: 'nat', default: 102400, env: 'PUSHY_MAX_TRIGGER_BODY_BYTES' },
    maxChannelNameLength: {
      doc: `Longest channel name, 1 to ${MAX_CHANNEL_NAME_LENGTH} characters (longer: pushy:error 300, HTTP 400).`,
      format: (value: unknown) => {
        if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_CHANNEL_NAME_LENGTH) {
          throw new Error(`must be an integer from 1 to ${MAX_CHANNEL_NAME_LENGTH}`);
        }
      },
      default: MAX_CHANNEL_NAME_LENGTH,
      env: 'PUSHY_MAX_CHANNEL_NAME_LENGTH',
    },
    maxIdempotencyKeys: {
      doc: 'Most trigger idempotency keys one node remembers in memory (for 5 minutes each); beyond it the oldest are forgotten early.',
      format: 'nat',
      default: 10000,
      env: 'PUSHY_MAX_IDEMPOTENCY_KEYS',
    },
  },
  history: {
    size: { doc: 'Events kept per channel when no rule matches (0: none; offsets still count).', format: 'nat', default: 100, env: 'PUSHY_HISTORY_SIZE' },
    ttl: { doc: 'Seconds an event is kept when no rule matches.', format: 'nat', default: 300, env: 'PUSHY_HISTORY_TTL' },
    rules: {
      doc: 'Retention by channel-name pattern: [{"match": "chat-*", "size": 100, "ttl": 300}]; the first match wins, "*" matches anything.',
      format: 'history-rules',
      default: [] as RetentionRule[],
      env: 'PUSHY_HISTORY_RULES',
    },
    maxMemoryBytes: {
      doc: 'Bound on the estimated memory of the in-memory history of all channels; the oldest events of the least recently used channels go first.',
      format: 'nat',
      default: 67108864,
      env: 'PUSHY_HISTORY_MAX_MEMORY_BYTES',
    },
    metaTtl: {
      doc: 'Seconds a channel keeps its offset and epoch after its last use once it has no events left; after that its epoch changes.',
      format: 'nat',
      default: 86400,
      env: 'PUSHY_HISTORY_META_TTL',
    },
    maxReadLimit: { doc: 'Most events one HTTP history request returns (its "limit" is capped to this).', format: 'nat', default: 100, env: 'PUSHY_HISTORY_MAX_READ_LIMIT' },
  },
  health: {
    drainDelay: {
      doc: 'Milliseconds between the start of a shutdown and closing the listener, during which GET /pushy/ready answers 503 so that load balancers stop routing here.',
      format: 'nat',
      default: 0,
      env: 'PUSHY_HEALTH_DRAIN_DELAY',
    },
  },
  metrics: {
    enabled: { doc: 'Serve Prometheus metrics (without metrics.token, unauthenticated: keep the path off the public network).', format: Boolean, default: true, env: 'PUSHY_METRICS_ENABLED' },
    path: { doc: 'URL path of the Prometheus metrics.', format: urlPath, default: '/metrics', env: 'PUSHY_METRICS_PATH' },
    token: {
      doc: 'Bearer token a scrape must send (Authorization: Bearer <token>; else 401). Empty: the metrics are public.',
      format: String,
      default: '',
      env: 'PUSHY_METRICS_TOKEN',
      sensitive: true,
    },
  },
  admin: {
    username: { doc: 'Admin API and dashboard user (HTTP Basic). Empty, or no password: the admin side is off (404).', format: String, default: '', env: 'PUSHY_ADMIN_USERNAME' },
    password: { doc: 'Admin API and dashboard password.', format: String, default: '', env: 'PUSHY_ADMIN_PASSWORD', sensitive: true },
  },
  adapter: {
    type: {
      doc: 'How nodes share events and presence: "memory" (one process) or "redis" (many nodes on one Redis).',
      format: ['memory', 'redis'],
      default: 'memory' as AdapterType,
      env: 'PUSHY_ADAPTER',
    },
    url: {
      doc: 'Redis URL (redis://[:password@]host:port[/db], rediss:// for TLS); used when type is "redis".',
      format: String,
      default: 'redis://127.0.0.1:6379',
      env: 'PUSHY_REDIS_URL',
      sensitive: true,
    },
    keyPrefix: { doc: 'Prefix of every Redis key and channel Pushy uses, so that several clusters can share one Redis.', format: String, default: 'pushy:', env: 'PUSHY_REDIS_KEY_PREFIX' },
    commandTimeout: { doc: 'Milliseconds a Redis command may take before it fails (a trigger then answers 503).', format: 'nat', default: 2000, env: 'PUSHY_REDIS_COMMAND_TIMEOUT' },
    maxReconnectDelay: { doc: 'Longest wait, in milliseconds, between reconnection attempts after Redis goes away.', format: 'nat', default: 5000, env: 'PUSHY_REDIS_MAX_RECONNECT_DELAY' },
    heartbeatInterval: { doc: 'Milliseconds between a node\'s heartbeats in Redis.', format: 'nat', default: 5000, env: 'PUSHY_REDIS_HEARTBEAT_INTERVAL' },
    nodeTimeout: {
      doc: 'Milliseconds without a heartbeat after which a node counts as dead and the others remove its presence members (they notice within one more heartbeatInterval).',
      format: 'nat',
      default: 20000,
      env: 'PUSHY_REDIS_NODE_TIMEOUT',
    },
  },
};

/** convict format: an absolute URL path. */
function urlPath(value: unknown): void {
  if (typeof value !== 'string' || !/^\/[A-Za-z0-9/_.~-]*$/.test(value)) throw new Error('must be a URL path starting with "/"');
}

/** The whole, validated configuration. */
export type PushyConfig = {
  port: number;
  host: string;
  secretKey: string;
  timestampTolerance: number;
  logLevel: LogLevel;
  commandsDir: string;
  sockjs: {
    prefix: string;
    heartbeatDelay: number;
    disconnectDelay: number;
    responseLimit: number;
    websocket: boolean;
    clientUrl: string;
    allowedOrigins: string[];
  };
  ssl: { key: string; cert: string };
  limits: {
    maxConnections: number;
    maxConnectionsPerIp: number;
    maxChannelsPerConnection: number;
    framesPerSecond: number;
    frameBurst: number;
    maxRejectedFrames: number;
    maxQueuedFrames: number;
    maxFrameBytes: number;
    maxBufferedBytes: number;
    maxPresenceDataBytes: number;
    maxPresenceMembers: number;
    maxTriggerBodyBytes: number;
    maxChannelNameLength: number;
    maxIdempotencyKeys: number;
  };
  history: HistoryConfig;
  health: { drainDelay: number };
  metrics: { enabled: boolean; path: string; token: string };
  admin: { username: string; password: string };
  adapter: AdapterConfig;
};

/** The `history` options: retention by channel pattern and the memory store's bounds. */
export type HistoryConfig = {
  size: number;
  ttl: number;
  rules: RetentionRule[];
  maxMemoryBytes: number;
  metaTtl: number;
  maxReadLimit: number;
};

/** Kinds of broker a node can run with. */
export type AdapterType = 'memory' | 'redis';

/** The `adapter` options: which broker and, for Redis, how to reach it. */
export type AdapterConfig = {
  type: AdapterType;
  url: string;
  keyPrefix: string;
  commandTimeout: number;
  maxReconnectDelay: number;
  heartbeatInterval: number;
  nodeTimeout: number;
};

/** Nested partial, for overriding some options (tests, embedding). */
export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Raised for any configuration problem; the message names the file and the key. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Options for {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Path of a JSON config file. */
  file?: string;
  /** Values applied after the file and environment (tests, embedding). */
  overrides?: DeepPartial<PushyConfig>;
  /** Environment to read `PUSHY_*` variables from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Loads defaults, then the file, then environment variables, then overrides, and validates
 * strictly: an unknown key or a bad value throws a {@link ConfigError} naming both.
 */
export function loadConfig(options: LoadConfigOptions = {}): PushyConfig {
  const source = options.file ? `config file ${options.file}` : 'configuration';
  const config = convict(schema, { env: options.env ?? process.env, args: [] });
  try {
    if (options.file) config.loadFile(options.file);
    if (options.overrides) config.load(options.overrides);
    config.validate({ allowed: 'strict' });
    checkAdapter(config.get('adapter') as AdapterConfig);
  } catch (error) {
    throw new ConfigError(`Invalid ${source}: ${describeConvictError(error)}`);
  }
  return config.getProperties() as PushyConfig;
}

/** Every option path with its default and environment variable, for docs and tests. */
export function describeOptions(): Array<{ key: string; default: unknown; env: string; doc: string }> {
  const rows: Array<{ key: string; default: unknown; env: string; doc: string }> = [];
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const [key, value] of Object.entries(node)) {
      const entry = value as { doc?: string; default?: unknown; env?: string };
      if (typeof entry.doc === 'string') {
        rows.push({ key: prefix + key, default: entry.default, env: entry.env ?? '', doc: entry.doc });
      } else {
        walk(entry as Record<string, unknown>, `${prefix}${key}.`);
      }
    }
  };
  walk(schema, '');
  return rows;
}

/** Rules between adapter options that convict's per-key formats cannot express. */
function checkAdapter(adapter: AdapterConfig): void {
  if (adapter.heartbeatInterval < 100) throw new Error('adapter.heartbeatInterval: must be at least 100 (ms)');
  if (adapter.nodeTimeout <= adapter.heartbeatInterval) {
    throw new Error('adapter.nodeTimeout: must be longer than adapter.heartbeatInterval');
  }
  if (adapter.commandTimeout < 1) throw new Error('adapter.commandTimeout: must be at least 1 (ms)');
}

/** A fresh random secret for a server started without one. */
export function generateSecretKey(): string {
  return randomBytes(24).toString('hex');
}

function describeConvictError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'the file does not exist';
  if (code === 'EACCES') return 'the file is not readable';
  if (error instanceof SyntaxError) return `the file is not valid JSON (${error.message})`;
  // convict words an unknown key as "configuration param 'x' not declared in the schema" and a bad
  // value as "x: must be ...: value was ..."; both already name the key.
  return error.message.replace(/\s+/g, ' ').trim();
}
