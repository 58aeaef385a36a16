import { randomBytes } from 'node:crypto';
import convict from 'convict';
import { LOG_LEVELS, type LogLevel } from './logger.js';
import { MAX_CHANNEL_NAME_LENGTH } from './protocol.js';

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
      doc: 'Origins (e.g. https://app.example.com, https://*.example.com) browsers may connect from; empty: any. Same-origin requests and requests without an Origin header are always let in.',
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
    maxChannelsPerConnection: { doc: 'Most channels one connection may be subscribed to (more: pushy:error 429).', format: 'nat', default: 100, env: 'PUSHY_MAX_CHANNELS_PER_CONNECTION' },
    framesPerSecond: { doc: 'Client frames per second a connection may send on average (token bucket refill rate; over it: pushy:error 429).', format: 'nat', default: 20, env: 'PUSHY_FRAMES_PER_SECOND' },
    frameBurst: { doc: 'Client frames a connection may send at once before the rate applies (token bucket size).', format: 'nat', default: 40, env: 'PUSHY_FRAME_BURST' },
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
  },
};

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
  };
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
