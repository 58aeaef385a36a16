import { z } from 'zod';
import { ConfigError, type PushyConfig } from '../config.js';
import { UsageError } from '../errors.js';
import { eventNameSchema } from '../channels/channel-policy.js';
import { channelNameSchema } from '../native/protocol.js';
import { triggerUrl } from '../signing.js';
import { COMMON_OPTIONS, jsonTextSchema, parsePositionals } from './args.js';

/** Options of the commands that build a trigger (`sign trigger`, `trigger`). */
export const TRIGGER_OPTIONS = {
  ...COMMON_OPTIONS,
  url: { type: 'string', short: 'u' },
  'socket-id': { type: 'string' },
} as const;

/** The `--help` lines of {@link TRIGGER_OPTIONS} but `--help`, which each command puts last. */
export const TRIGGER_OPTIONS_HELP = `  -c, --config <file>        config file with the secretKey (PUSHY_SECRET_KEY works too),
                             port and host
  -u, --url <url>            the server's base URL (default: http(s)://<host>:<port> of the
                             configuration, with 127.0.0.1 for 0.0.0.0)
      --socket-id <id>       leave out this connection (the sender's own)`;

const positionalsSchema = z.object({ channel: channelNameSchema, event: eventNameSchema, data: jsonTextSchema.optional() });
const POSITIONALS = ['channel', 'event', 'data'] as const;
const socketIdSchema = z.string().min(1).max(128);

/** A trigger ready to send: where to POST what. */
export interface TriggerRequest {
  /** The signed URL: `.../pushy/channel/<channel>/trigger?event=&timestamp=&auth_key=`. */
  url: string;
  /** The body exactly as signed ('' when no data was given: it signs and reads as `{}`). */
  body: string;
  channel: string;
  event: string;
  timestamp: number;
  authKey: string;
}

/** What the trigger-building commands parsed from their command line. */
export interface TriggerArgs {
  positionals: readonly string[];
  url?: string;
  socketId?: string;
  /** Unix seconds (default: now). */
  timestamp?: number;
}

/** Signs `<channel> <event> [data]` with the configured secret, through the signing module. */
export function buildTriggerRequest(config: PushyConfig, args: TriggerArgs): TriggerRequest {
  const { channel, event, data } = parsePositionals(positionalsSchema, POSITIONALS, args.positionals);
  let socketId: string | undefined;
  if (args.socketId !== undefined) {
    const parsed = socketIdSchema.safeParse(args.socketId);
    if (!parsed.success) throw new UsageError('--socket-id: must be 1 to 128 characters');
    socketId = parsed.data;
  }
  const body = data ?? '';
  const url = triggerUrl({ baseUrl: serverUrl(config, args.url), channel, event, body, secretKey: configuredSecret(config), timestamp: args.timestamp, socketId });
  const query = new URL(url).searchParams;
  return { url, body, channel, event, timestamp: Number(query.get('timestamp')), authKey: query.get('auth_key')! };
}

/** The configured secret; the server's generated one (none configured) cannot be known here. */
export function configuredSecret(config: PushyConfig): string {
  if (config.secretKey === '') {
    throw new ConfigError('secretKey is not set: give the server\'s secret in the config file (--config) or in PUSHY_SECRET_KEY');
  }
  return config.secretKey;
}

/** `--url` when given (http or https), else the configured host and port seen from this machine. */
export function serverUrl(config: PushyConfig, option: string | undefined): string {
  if (option !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(option);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new UsageError(`--url: must be an http or https URL, was ${JSON.stringify(option)}`);
    return url.origin;
  }
  if (config.port === 0) throw new UsageError('the configured port is 0 (any free one): give the server\'s address with --url');
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `${config.ssl.cert ? 'https' : 'http'}://${host}:${config.port}`;
}
