import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import convict from 'convict';
import { MAX_ROTATION_GRACE } from './apps/app-keys.js';
import type { AppStoreType, AppsConfig } from './apps/app-store.js';
import { appInputSchema, appWebhookSchema, describeIssue, MAX_WEBHOOKS_PER_APP, type App, type AppWebhook } from './apps/app.js';
import { readEnvApp } from './apps/env-app.js';
import { channelRulesSchema, type ChannelRule } from './channel-rules/channel-rule.js';
import { FEED_CHANNEL_PATTERN } from './feed/feed-event.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './logger.js';
import { NetworkList } from './network/ip-networks.js';
import { redisEndpointsFormat, redisUrlsFormat, type RedisEndpoint } from './redis/redis-endpoints.js';
import { MAX_BATCH_EVENTS, MAX_CHANNEL_NAME_LENGTH, MAX_TRIGGER_CHANNELS } from './util/limits.js';

export { MAX_CHANNEL_NAME_LENGTH } from './util/limits.js';
export { generateSecretKey } from './util/secret.js';

/** A `history.rules` entry: how much history the channels whose name matches `match` keep. */
export interface RetentionRule {
  /** Channel name pattern; `*` matches any run of characters. */
  match: string;
  /** Most events kept (0: none; offsets still count). */
  size: number;
  /** Seconds an event is kept. */
  ttl: number;
}

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
  coerce: parseJsonText,
});

/**
 * `apps.list`: a list of apps; from the environment, as JSON text. Here only its shape: each app
 * is parsed with the app schema after convict (see `checkApps`), for errors that name the field.
 */
convict.addFormat({
  name: 'apps-list',
  validate(value: unknown) {
    if (!Array.isArray(value)) throw new Error('must be an array of apps [{"id", "key", "secret", ...}]');
  },
  coerce: parseJsonText,
});

/**
 * `webhooks.defaultApp`: the native default app's webhooks; from the environment, as JSON text.
 * Each is parsed with the app schema's webhook rule after convict (see `checkWebhooks`).
 */
convict.addFormat({
  name: 'webhooks-list',
  validate(value: unknown) {
    if (!Array.isArray(value)) throw new Error('must be an array of webhooks [{"url", "events", ...}]');
  },
  coerce: parseJsonText,
});

/** The words a boolean option accepts as text (environment variables), in any case. */
const BOOLEAN_WORDS: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['false', false],
  ['1', true],
  ['0', false],
  ['yes', true],
  ['no', false],
]);

/** `true`/`false`/`1`/`0`/`yes`/`no` in any case, or undefined for any other text. */
export function parseBooleanText(text: string): boolean | undefined {
  return BOOLEAN_WORDS.get(text.trim().toLowerCase());
}

/**
 * Every boolean option. convict's own `Boolean` reads any text but "false" as true, so that
 * `PUSHY_SOCKJS_WEBSOCKET=0` turned WebSocket on; here text that is not one of the words stays
 * text, which validation then refuses.
 */
convict.addFormat({
  name: 'flag',
  validate(value: unknown) {
    if (typeof value !== 'boolean') throw new Error('must be true or false (as text: true/false, 1/0, yes/no)');
  },
  coerce: (value: unknown) => (typeof value === 'string' ? (parseBooleanText(value) ?? value) : value),
});

/**
 * `trustProxy`, `trigger.trustedNetworks`: IP addresses and CIDR ranges; from the environment,
 * as JSON text or a comma-separated list.
 */
convict.addFormat({
  name: 'ip-networks',
  validate(value: unknown) {
    if (!Array.isArray(value)) throw new Error('must be a list of IP addresses or CIDR ranges, e.g. ["10.0.0.0/8", "::1/128"]');
    NetworkList.parse(value as string[]);
  },
  coerce: parseListText,
});

/**
 * `channels`: a list of channel rules; from the environment, as JSON text. Here only its shape:
 * the rules are parsed with their zod schema after convict (see `checkChannelRules`).
 */
convict.addFormat({
  name: 'channel-rules',
  validate(value: unknown) {
    if (!Array.isArray(value)) throw new Error('must be a list of rules [{"match": "game-*", "maxSubscribers": 1, "onFull": "reject"}]');
  },
  coerce: parseJsonText,
});

/** `adapter.redis.sentinels` and `adapter.redis.cluster`: `[{host, port}]`; from the environment, `host:port,host:port`. */
convict.addFormat(redisEndpointsFormat);

/** `adapter.redis.shards`: Redis URLs; from the environment, comma-separated. */
convict.addFormat(redisUrlsFormat);

/**
 * `workers`: how many processes serve the port, a whole number from 1 (from the environment as
 * its digits), or `"auto"`: one per CPU.
 */
convict.addFormat({
  name: 'workers',
  validate(value: unknown) {
    if (value !== 'auto' && !(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_WORKERS)) {
      throw new Error(`must be a whole number from 1 to ${MAX_WORKERS}, or "auto" (one per CPU)`);
    }
  },
  coerce: (value: unknown) => (typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value),
});

/** Most worker processes (`workers`): more than any machine's cores, and a bound on forks. */
export const MAX_WORKERS = 256;

/** A list given as JSON text (`["a", "b"]`) or as a comma-separated one (`a, b`); empty text is an empty list. */
function parseListText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text.startsWith('[')) return parseJsonText(text);
  return text === '' ? [] : text.split(',').map((entry) => entry.trim());
}

/** Parses a list given as JSON text; text that is not JSON stays a string, which validation refuses. */
function parseJsonText(value: unknown): unknown {
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
  workers: {
    doc: 'Processes that serve the port (1: this one alone; "auto": one per CPU). SockJS sessions stick to one worker; workers share channels through the primary process (or Redis with adapter.type "redis"). Not with ssl: terminate TLS in front.',
    format: 'workers',
    default: 1 as number | 'auto',
    env: 'PUSHY_WORKERS',
  },
  secretKey: {
    doc: 'Secret shared with your backends; signs triggers and channel auth. Empty: a random one per run, printed once at start.',
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
  trigger: {
    trustedNetworks: {
      doc: 'Networks (CIDR ranges or addresses, e.g. ["10.0.0.0/8"]) whose triggers are accepted without a signature; empty: every trigger must be signed. Logged as a warning at start when set. The address is the TCP peer unless trustProxy names it.',
      format: 'ip-networks',
      default: [] as string[],
      env: 'PUSHY_TRIGGER_TRUSTED_NETWORKS',
    },
  },
  trustProxy: {
    doc: 'Proxies (CIDR ranges or addresses) whose X-Forwarded-For header is believed when telling a client\'s address, walked from the right past trusted proxies; empty: the header is never believed.',
    format: 'ip-networks',
    default: [] as string[],
    env: 'PUSHY_TRUST_PROXY',
  },
  signing: {
    legacy: {
      doc: 'Also accept v1/v2 signatures (trigger and history auth_key, bare-hex channel auth) beside v3; false: v3 only (v1/v2 can be split another way and replayed).',
      format: 'flag',
      default: true,
      env: 'PUSHY_SIGNING_LEGACY',
    },
    maxReplayKeys: {
      doc: 'Most used v3 signatures one node remembers in memory to refuse replays (without Redis); when full, requests signed at or before the oldest dropped one are refused (403 "501") until they are signed anew.',
      format: (value: unknown) => {
        if (!Number.isInteger(value) || (value as number) < 1) throw new Error('must be an integer of at least 1');
      },
      default: 100000,
      env: 'PUSHY_SIGNING_MAX_REPLAY_KEYS',
    },
  },
  logLevel: {
    doc: 'Least severe level that is logged: debug (adds a line per connection opened and closed), info, warn, error or silent.',
    format: [...LOG_LEVELS],
    default: 'info' as LogLevel,
    env: 'PUSHY_LOG_LEVEL',
  },
  log: {
    format: {
      doc: 'Log line format on stderr: "text" (time LEVEL message {fields}) or "json" (one object per line with time, level, msg and the fields).',
      format: [...LOG_FORMATS],
      default: 'text' as LogFormat,
      env: 'PUSHY_LOG_FORMAT',
    },
  },
  commandsDir: {
    doc: 'Folder of custom command modules loaded at start (empty: none).',
    format: String,
    default: '',
    env: 'PUSHY_COMMANDS_DIR',
  },
  sockjs: {
    prefix: { doc: 'URL path of the SockJS endpoint.', format: String, default: '/pushy/socket', env: 'PUSHY_SOCKJS_PREFIX' },
    heartbeatDelay: { doc: 'Milliseconds between heartbeat frames on idle connections (keeps proxies from timing them out).', format: 'nat', default: 25000, env: 'PUSHY_SOCKJS_HEARTBEAT_DELAY' },
    disconnectDelay: { doc: 'Milliseconds a polling session may be without a receiving request before it is closed.', format: 'nat', default: 5000, env: 'PUSHY_SOCKJS_DISCONNECT_DELAY' },
    responseLimit: { doc: 'Bytes a streaming response may carry before the client must open a new one.', format: 'nat', default: 131072, env: 'PUSHY_SOCKJS_RESPONSE_LIMIT' },
    websocket: { doc: 'Offer the WebSocket transport (turn it off behind proxies that break upgrades).', format: 'flag', default: true, env: 'PUSHY_SOCKJS_WEBSOCKET' },
    writeDelay: {
      doc: 'Milliseconds a socket\'s messages may wait to leave together as one SockJS frame (one write per socket): less CPU per message when events come faster than this or the server is busy, at the cost of up to this much latency (half on average). 0: only the messages of one event-loop turn go together (no added latency).',
      format: 'nat',
      default: 0,
      env: 'PUSHY_SOCKJS_WRITE_DELAY',
    },
    clientUrl: {
      doc: 'URL of sockjs-client that the iframe transports load; Pushy serves its own copy at the default, so no CDN is needed.',
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
    key: { doc: 'Path of the PEM private key; with ssl.cert, serve HTTPS and secure WebSocket.', format: String, default: '', env: 'PUSHY_SSL_KEY' },
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
      doc: 'Bytes sent to a connection that its transport has not flushed yet; past it the client is a slow consumer and is closed with code 4009 (Pusher protocol: 4100).',
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
    maxTriggerChannels: {
      doc: `Most channels one multi-channel trigger (POST /pushy/events) may publish to, 1 to ${MAX_TRIGGER_CHANNELS} (more: HTTP 400).`,
      format: integerFrom(1, MAX_TRIGGER_CHANNELS),
      default: 100,
      env: 'PUSHY_MAX_TRIGGER_CHANNELS',
    },
    maxBatchEvents: {
      doc: `Most events one batch trigger (POST /pushy/batch_events) may carry, 1 to ${MAX_BATCH_EVENTS} (more: HTTP 400).`,
      format: integerFrom(1, MAX_BATCH_EVENTS),
      default: 10,
      env: 'PUSHY_MAX_BATCH_EVENTS',
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
      doc: 'Bound on the estimated memory of the in-memory history of all channels; the oldest events of the least recently used channels go first, then the counters of idle channels (whose epoch then changes).',
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
  channels: {
    doc: 'Channel rules: [{"match": "game-*", "maxSubscribers": 1, "onFull": "reject"}] limits the subscribers of matching channels across the cluster; when full, "reject" refuses the newcomer (pushy:error 423), "replace" unsubscribes the oldest. "*" matches any run of characters; the first match wins.',
    format: 'channel-rules',
    default: [] as unknown[],
    env: 'PUSHY_CHANNELS',
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
    enabled: { doc: 'Serve Prometheus metrics (without metrics.token, unauthenticated: keep the path off the public network).', format: 'flag', default: true, env: 'PUSHY_METRICS_ENABLED' },
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
    username: { doc: 'Admin API and dashboard user (HTTP Basic). Empty, with an empty password: the admin side is off (404); set both or neither.', format: String, default: '', env: 'PUSHY_ADMIN_USERNAME' },
    password: { doc: 'Admin API and dashboard password (set both or neither).', format: String, default: '', env: 'PUSHY_ADMIN_PASSWORD', sensitive: true },
    maxLoginFailures: {
      doc: 'Failed admin logins one client address (an IPv6 one by its /64) may make within a minute before it is locked out: HTTP 429 with Retry-After, and a warning in the log (0: no limit).',
      format: 'nat',
      default: 5,
      env: 'PUSHY_ADMIN_MAX_LOGIN_FAILURES',
    },
    lockoutSeconds: {
      doc: 'How long an address that reached maxLoginFailures is locked out; each further lockout of the same address doubles it, up to an hour.',
      format: 'nat',
      default: 60,
      env: 'PUSHY_ADMIN_LOCKOUT_SECONDS',
    },
  },
  apps: {
    store: {
      type: {
        doc: 'Where apps live: "config" (apps.list and the PUSHY_APP_* app, read-only) or "postgres" (managed live in PostgreSQL, shared by every node).',
        format: ['config', 'postgres'],
        default: 'config' as AppStoreType,
        env: 'PUSHY_APPS_STORE',
      },
      url: {
        doc: 'PostgreSQL URL (postgres://user:password@host:5432/database) when apps.store.type is "postgres"; never logged.',
        format: String,
        default: '',
        env: 'PUSHY_APPS_STORE_URL',
        sensitive: true,
      },
    },
    list: {
      doc: 'Apps besides the default one: [{"id", "key", "secret", "name", ...}]. With the postgres store, each is created in the database at start when its id is not there yet.',
      format: 'apps-list',
      default: [] as unknown[],
      env: 'PUSHY_APPS_LIST',
      sensitive: true,
    },
    rotationGrace: {
      doc: 'Seconds an app\'s old key/secret pairs keep working after a key rotation.',
      format: 'nat',
      default: 86400,
      env: 'PUSHY_APPS_ROTATION_GRACE',
    },
  },
  webhooks: {
    batchSize: {
      doc: 'Most events in one webhook request (1: one event per request, as Pusher does without batching).',
      format: 'nat',
      default: 50,
      env: 'PUSHY_WEBHOOKS_BATCH_SIZE',
    },
    batchDelay: {
      doc: 'Longest wait, in milliseconds, between a webhook event and the request that carries it when the batch is not full.',
      format: 'nat',
      default: 250,
      env: 'PUSHY_WEBHOOKS_BATCH_DELAY',
    },
    timeout: {
      doc: 'Milliseconds a webhook receiver has to answer; no answer counts as a failure and is retried.',
      format: 'nat',
      default: 5000,
      env: 'PUSHY_WEBHOOKS_TIMEOUT',
    },
    retryWindow: {
      doc: 'Milliseconds after it was queued that a webhook event whose receiver fails (non-2xx, timeout, no connection) is still retried, with exponential backoff; then it is dropped, logged and counted (0: no retries).',
      format: 'nat',
      default: 300000,
      env: 'PUSHY_WEBHOOKS_RETRY_WINDOW',
    },
    maxQueued: {
      doc: 'Most webhook events a node holds in memory (and, with Redis, most waiting in the shared queue); past it the oldest are dropped and counted.',
      format: 'nat',
      default: 10000,
      env: 'PUSHY_WEBHOOKS_MAX_QUEUED',
    },
    concurrency: {
      doc: 'Most webhook requests a node has in flight at once, over all receivers (each receiver gets one at a time).',
      format: 'nat',
      default: 20,
      env: 'PUSHY_WEBHOOKS_CONCURRENCY',
    },
    removalDelay: {
      doc: 'Milliseconds channel_vacated and member_removed wait; a channel or member back within it sends neither that nor its channel_occupied or member_added (0: no wait).',
      format: 'nat',
      default: 3000,
      env: 'PUSHY_WEBHOOKS_REMOVAL_DELAY',
    },
    defaultApp: {
      doc: 'Webhooks of the native default app (the one secretKey signs for): [{"url", "events", "headers", "filter"}], as in an app\'s "webhooks"; signed with secretKey under the key "default".',
      format: 'webhooks-list',
      default: [] as unknown[],
      env: 'PUSHY_WEBHOOKS_DEFAULT_APP',
      sensitive: true,
    },
  },
  adapter: {
    type: {
      doc: 'How nodes share events and presence: "memory" (one process) or "redis" (many nodes on one Redis).',
      format: ['memory', 'redis'],
      default: 'memory' as AdapterType,
      env: 'PUSHY_ADAPTER',
    },
    url: {
      doc: 'Redis URL (redis://[:password@]host:port[/db], rediss:// for TLS); used when type is "redis". Never logged (only host and port are).',
      format: String,
      default: 'redis://127.0.0.1:6379',
      env: 'PUSHY_REDIS_URL',
      sensitive: true,
    },
    keyPrefix: { doc: 'Prefix of every Redis key and channel Pushy uses, so that several clusters can share one Redis.', format: String, default: 'pushy:', env: 'PUSHY_REDIS_KEY_PREFIX' },
    commandTimeout: { doc: 'Milliseconds a Redis command may take before it fails (a trigger then answers 503).', format: 'nat', default: 2000, env: 'PUSHY_REDIS_COMMAND_TIMEOUT' },
    maxReconnectDelay: { doc: 'Longest wait, in milliseconds, between reconnection attempts after Redis goes away.', format: 'nat', default: 5000, env: 'PUSHY_REDIS_MAX_RECONNECT_DELAY' },
    heartbeatInterval: { doc: 'Milliseconds between a node\'s heartbeats in Redis (each also looks for dead nodes).', format: 'nat', default: 5000, env: 'PUSHY_REDIS_HEARTBEAT_INTERVAL' },
    nodeTimeout: {
      doc: 'Milliseconds without a heartbeat after which a node counts as dead and the others remove its presence members (they notice within one more heartbeatInterval); must be longer than heartbeatInterval.',
      format: 'nat',
      default: 20000,
      env: 'PUSHY_REDIS_NODE_TIMEOUT',
    },
    redis: {
      sentinels: {
        doc: 'Redis Sentinels to ask where the primary named adapter.redis.name is, as [{host, port}] (env: "host:port,host:port"); when set, the host and port of adapter.url are not used (its password, database and TLS are) and a failover is followed without a restart. Empty: no Sentinel.',
        format: redisEndpointsFormat.name,
        default: [] as RedisEndpoint[],
        env: 'PUSHY_REDIS_SENTINELS',
      },
      cluster: {
        doc: 'Seed nodes of a Redis Cluster, as [{host, port}] (env: "host:port,host:port"); when set, adapter.url only lends its password and TLS. Channels are spread over 16 hash slots evenly spaced over the slot space (so over up to 16 primaries) and use sharded pub/sub (Redis 7). Empty: no cluster.',
        format: redisEndpointsFormat.name,
        default: [] as RedisEndpoint[],
        env: 'PUSHY_REDIS_CLUSTER',
      },
      shards: {
        doc: 'Independent Redis servers to spread channels over, as a list of URLs (env: comma-separated); each channel (its events, history, presence, idempotency keys) lives on one of them, chosen by consistent hashing of its name; node list and signature replays live on the first. Empty: one Redis, adapter.url. Never logged (only hosts and ports are).',
        format: redisUrlsFormat.name,
        default: [] as string[],
        env: 'PUSHY_REDIS_SHARDS',
        sensitive: true,
      },
      name: { doc: 'Name of the primary the Sentinels watch (their "sentinel monitor <name>"); used with adapter.redis.sentinels.', format: String, default: 'mymaster', env: 'PUSHY_REDIS_SENTINEL_NAME' },
    },
  },
  clientEvents: {
    enabled: {
      doc: 'Let clients send client-* events (the publish-event command) to the other subscribers of a private or presence channel they are subscribed to; off: refused with 446.',
      format: 'flag',
      default: false,
      env: 'PUSHY_CLIENT_EVENTS_ENABLED',
    },
    perSecond: {
      doc: 'Client events a connection may send per second on average (burst: the same number); over it: pushy:error 429, the event is dropped.',
      format: integerFrom(1, 1000),
      default: 10,
      env: 'PUSHY_CLIENT_EVENTS_PER_SECOND',
    },
  },
  feed: {
    enabled: {
      doc: 'With the Redis adapter, publish every event as JSON {app, channel, event, data, offset} on the Redis channel feed.channel, for other programs to subscribe to.',
      format: 'flag',
      default: false,
      env: 'PUSHY_FEED_ENABLED',
    },
    channel: {
      doc: 'Redis pub/sub channel of the events feed, exactly (adapter.keyPrefix is not added).',
      format: (value: unknown) => {
        if (typeof value !== 'string' || !FEED_CHANNEL_PATTERN.test(value)) throw new Error('must be 1 to 200 printable characters without spaces');
      },
      default: 'pushy:feed',
      env: 'PUSHY_FEED_CHANNEL',
    },
  },
};

/** convict format: an integer from `min` to `max`. */
function integerFrom(min: number, max: number): (value: unknown) => void {
  return (value) => {
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) throw new Error(`must be an integer from ${min} to ${max}`);
  };
}

/** convict format: an absolute URL path. */
function urlPath(value: unknown): void {
  if (typeof value !== 'string' || !/^\/[A-Za-z0-9/_.~-]*$/.test(value)) throw new Error('must be a URL path starting with "/"');
}

/** The whole, validated configuration. */
export type PushyConfig = {
  port: number;
  host: string;
  /** Worker processes: a number, or `"auto"` (see {@link workerCount}). */
  workers: number | 'auto';
  secretKey: string;
  timestampTolerance: number;
  trigger: { trustedNetworks: string[] };
  trustProxy: string[];
  signing: SigningConfig;
  logLevel: LogLevel;
  log: { format: LogFormat };
  commandsDir: string;
  sockjs: {
    prefix: string;
    heartbeatDelay: number;
    disconnectDelay: number;
    responseLimit: number;
    websocket: boolean;
    writeDelay: number;
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
    maxTriggerChannels: number;
    maxBatchEvents: number;
  };
  history: HistoryConfig;
  /** Channel rules, parsed: the first whose `match` fits a channel applies. */
  channels: ChannelRule[];
  health: { drainDelay: number };
  metrics: { enabled: boolean; path: string; token: string };
  admin: { username: string; password: string; maxLoginFailures: number; lockoutSeconds: number };
  apps: AppsConfig;
  webhooks: WebhooksConfig;
  adapter: AdapterConfig;
  feed: { enabled: boolean; channel: string };
  clientEvents: { enabled: boolean; perSecond: number };
};

/**
 * The `apps` options, normalised: in the file `apps` may also be just a list (the shorthand for
 * `{"list": [...]}`), and `list` also holds the app of the `PUSHY_APP_*` variables.
 */
export type { AppsConfig };

/** The `webhooks` options: how webhook batches are formed, sent, retried and bounded. */
export interface WebhooksConfig {
  batchSize: number;
  batchDelay: number;
  timeout: number;
  retryWindow: number;
  maxQueued: number;
  concurrency: number;
  removalDelay: number;
  /** The native default app's webhooks. */
  defaultApp: AppWebhook[];
}

/** The `signing` options: which signature forms the server takes. */
export type SigningConfig = {
  legacy: boolean;
  maxReplayKeys: number;
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
  /** Sentinel: where to find the primary (see lib/redis/redis-endpoints.ts). */
  redis: { sentinels: RedisEndpoint[]; name: string; shards: string[]; cluster: RedisEndpoint[] };
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
  const env = options.env ?? process.env;
  const config = convict(schema, { env, args: [] });
  let apps: AppsConfig;
  let channels: ChannelRule[];
  let defaultAppWebhooks: AppWebhook[];
  try {
    if (options.file) config.load(readConfigFile(options.file));
    if (options.overrides) applyOverrides((key, value) => config.set(key as never, value as never), withAppsShorthand(options.overrides as Record<string, unknown>));
    config.validate({ allowed: 'strict' });
    checkAdapter(config.get('adapter') as AdapterConfig);
    checkWorkers(config.get('workers') as number | 'auto', config.get('ssl') as PushyConfig['ssl']);
    checkCommandsDir(config.get('commandsDir') as string);
    defaultAppWebhooks = checkWebhooks(config.get('webhooks') as WebhooksConfig);
    apps = checkApps(config.get('apps') as { store: AppsConfig['store']; list: unknown[]; rotationGrace: number }, env);
    channels = checkChannelRules(config.get('channels') as unknown[]);
  } catch (error) {
    throw new ConfigError(`Invalid ${source}: ${describeConvictError(error, env)}`);
  }
  const properties = config.getProperties() as PushyConfig;
  return { ...properties, webhooks: { ...properties.webhooks, defaultApp: defaultAppWebhooks }, apps, channels };
}

/**
 * The config file as an object for convict, with the one shorthand convict cannot express:
 * `"apps": [...]` means `"apps": {"list": [...]}`.
 */
function readConfigFile(file: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  // An empty document (`null`) loads nothing, as convict's loadFile does.
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the file must hold a JSON object');
  return withAppsShorthand(parsed as Record<string, unknown>);
}

/** `"apps": [...]` (a file or overrides) means `"apps": {"list": [...]}`. */
function withAppsShorthand(content: Record<string, unknown>): Record<string, unknown> {
  const apps = content.apps;
  if (Array.isArray(apps)) return { ...content, apps: { list: apps } };
  if (apps !== undefined && (typeof apps !== 'object' || apps === null)) {
    throw new Error('apps: must be a list of apps, or {"store": {...}, "list": [...], "rotationGrace": seconds}');
  }
  return content;
}

/**
 * Parses every configured app (the list and the environment's) and checks what convict cannot:
 * unique ids and keys, and a URL for the postgres store. Errors name the key (`apps.list[1].key`)
 * or the variable, never a secret.
 */
function checkApps(raw: { store: AppsConfig['store']; list: unknown[]; rotationGrace: number }, env: NodeJS.ProcessEnv): AppsConfig {
  const list: App[] = raw.list.map((entry, index) => {
    const parsed = appInputSchema.safeParse(entry);
    if (!parsed.success) throw new Error(describeIssue(parsed.error, `apps.list[${index}]`));
    return parsed.data;
  });
  const fromEnv = readEnvApp(env);
  if (fromEnv) list.push(fromEnv);
  const where = (index: number): string => (fromEnv && index === list.length - 1 ? 'PUSHY_APP_ID' : `apps.list[${index}]`);
  const ids = new Map<string, number>();
  const keys = new Map<string, number>();
  list.forEach((app, index) => {
    const sameId = ids.get(app.id);
    if (sameId !== undefined) throw new Error(`${where(index)}: app id "${app.id}" is also the id of ${where(sameId)}`);
    ids.set(app.id, index);
    for (const pair of app.keys) {
      const sameKey = keys.get(pair.key);
      if (sameKey !== undefined && sameKey !== index) throw new Error(`${where(index)}: key "${pair.key}" is also a key of ${where(sameKey)}; keys are unique across apps`);
      keys.set(pair.key, index);
    }
  });
  if (raw.store.type === 'postgres' && !/^postgres(ql)?:$/.test(URL.canParse(raw.store.url) ? new URL(raw.store.url).protocol : '')) {
    throw new Error('apps.store.url: must be a postgres:// URL when apps.store.type is "postgres"');
  }
  if (raw.rotationGrace > MAX_ROTATION_GRACE) throw new Error(`apps.rotationGrace: must be at most ${MAX_ROTATION_GRACE} (ten years)`);
  return { store: raw.store, list, rotationGrace: raw.rotationGrace };
}

/** Parses the channel rules; an error names the rule and field (`channels[1].onFull: ...`). */
function checkChannelRules(raw: unknown[]): ChannelRule[] {
  const parsed = channelRulesSchema.safeParse(raw);
  if (!parsed.success) throw new Error(describeIssue(parsed.error, 'channels'));
  return parsed.data;
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

/**
 * Sets every leaf of `overrides`. Not convict's `load`, which applies the environment again
 * after the values it loads, so that `PUSHY_PORT` would beat `--port`.
 */
function applyOverrides(set: (key: string, value: unknown) => void, overrides: object, prefix = ''): void {
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) applyOverrides(set, value as object, `${prefix}${key}.`);
    else set(`${prefix}${key}`, value);
  }
}

/** Rules between adapter options that convict's per-key formats cannot express. */
function checkAdapter(adapter: AdapterConfig): void {
  if (adapter.heartbeatInterval < 100) throw new Error('adapter.heartbeatInterval: must be at least 100 (ms)');
  if (adapter.nodeTimeout <= adapter.heartbeatInterval) {
    throw new Error('adapter.nodeTimeout: must be longer than adapter.heartbeatInterval');
  }
  if (adapter.commandTimeout < 1) throw new Error('adapter.commandTimeout: must be at least 1 (ms)');
  const topologies = (['sentinels', 'shards', 'cluster'] as const).filter((key) => adapter.redis[key].length > 0);
  if (topologies.length > 1) {
    throw new Error(`adapter.redis.${topologies[1]}: cannot be combined with adapter.redis.${topologies[0]} (choose one of sentinels, shards, cluster)`);
  }
}

/**
 * Several workers take their connections from a primary that reads each request line, which
 * TLS would hide: TLS is for a proxy in front of them.
 */
function checkWorkers(workers: number | 'auto', ssl: PushyConfig['ssl']): void {
  if (workers !== 1 && (ssl.key !== '' || ssl.cert !== '')) {
    throw new Error('workers: must be 1 with ssl.key and ssl.cert set (several workers need TLS terminated in front of them, e.g. by a load balancer)');
  }
}

/** How many worker processes `workers` asks for on this machine (`"auto"`: one per CPU). */
export function workerCount(config: Pick<PushyConfig, 'workers'>, cpus: () => number = os.availableParallelism): number {
  return config.workers === 'auto' ? Math.max(1, Math.min(MAX_WORKERS, cpus())) : config.workers;
}

/** `commandsDir`, when set, must be a folder that exists: found now, not as a stack at start. */
function checkCommandsDir(folder: string): void {
  if (folder === '') return;
  let isFolder: boolean;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`commandsDir: ${code === 'ENOENT' ? 'no such folder' : `cannot read the folder (${code ?? 'error'})`}: value was ${JSON.stringify(folder)}`);
  }
  if (!isFolder) throw new Error(`commandsDir: not a folder: value was ${JSON.stringify(folder)}`);
}

/** Webhook options that must be at least 1 to make sense, and the default app's webhooks (returned parsed). */
function checkWebhooks(webhooks: WebhooksConfig): AppWebhook[] {
  for (const key of ['batchSize', 'timeout', 'maxQueued', 'concurrency'] as const) {
    if (webhooks[key] < 1) throw new Error(`webhooks.${key}: must be at least 1`);
  }
  const parsed = appWebhookSchema.array().max(MAX_WEBHOOKS_PER_APP, `must have at most ${MAX_WEBHOOKS_PER_APP} webhooks`).safeParse(webhooks.defaultApp);
  if (!parsed.success) throw new Error(describeIssue(parsed.error, 'webhooks.defaultApp'));
  return parsed.data;
}

function describeConvictError(error: unknown, env: NodeJS.ProcessEnv): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'the file does not exist';
  if (code === 'EACCES') return 'the file is not readable';
  if (error instanceof SyntaxError) return `the file is not valid JSON (${error.message})`;
  // convict words an unknown key as "configuration param 'x' not declared in the schema" and a bad
  // value as "x: must be ...: value was ..." (one line each); both already name the key. A value
  // that came from the environment is named by its variable too, which is what the user typed.
  const lines = error.message.split('\n').map((line) => {
    const option = describeOptions().find((row) => line.startsWith(`${row.key}: `) && env[row.env] !== undefined);
    return option ? `${option.key} (environment variable ${option.env})${line.slice(option.key.length)}` : line;
  });
  return lines.join(' ').replace(/\s+/g, ' ').trim();
}
