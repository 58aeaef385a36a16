import { randomBytes } from 'node:crypto';
import { normaliseChannelName } from '../util/channel-name.js';
import { hmacSha256Hex, signRequest } from './http-request-signature.js';
import { requireSecret, requireSocketId } from './inputs.js';

/**
 * Pushy v3 signatures: HMAC-SHA256 with the secret as key, over a text that reads back to
 * exactly one set of signed fields.
 *
 * - HTTP requests (trigger, history): the Pusher HTTP API scheme (`./http-request-signature.ts`)
 *   with `auth_version=3` and the body as `body_sha256`. The text holds the method and the
 *   route's path (so a history signature is never a trigger's, nor the other way round), the
 *   channel (in the path), and every query parameter: event, timestamp, socket_id,
 *   idempotency_key.
 * - Channel auth (`auth` on subscribe): `v3:` + hex HMAC of
 *   `pushy-channel-auth-v3\n<socketId>\n<channel>[\n<presence data>]`. Neither a socket id nor a
 *   channel name can hold a newline, and the presence data, which may hold anything, comes last.
 */

/** `auth_version` of a Pushy v3 request (Pusher's is `1.0`: its body digest is MD5, ours SHA-256). */
export const AUTH_VERSION_V3 = '3';

/** How a v3 channel auth starts; older ones are bare hex. */
export const CHANNEL_AUTH_V3_PREFIX = 'v3:';

/** First line of a channel auth text: a request text starts with its method instead. */
const CHANNEL_AUTH_V3_TAG = 'pushy-channel-auth-v3';

/**
 * Where an app's HTTP API lives: `/pushy/app/<id>` for an app named in the URL, `/pushy` for the
 * default app. The path is signed, so a request signed for one app's URL never passes on another's.
 */
export function apiBase(app?: string): string {
  return app === undefined ? '/pushy' : `/pushy/app/${app}`;
}

/** The path a trigger on a (valid, lowercased) channel signs, whatever escaping its URL uses. */
export function triggerPath(channel: string, app?: string): string {
  return `${apiBase(app)}/channel/${channel}/trigger`;
}

/** The path a history read of a (valid, lowercased) channel signs. */
export function historyPath(channel: string, app?: string): string {
  return `${apiBase(app)}/channel/${channel}/history`;
}

/** What a v3 channel auth covers. */
export interface ChannelAuthV3Input {
  /** The connection's socket id, from `pushy:connect`. */
  socketId: string;
  channel: string;
  /** Presence data, exactly the JSON text the client will send as `data`. */
  presenceData?: string;
}

/** The text a v3 channel auth signs (the channel lowercased). */
export function channelAuthTextV3({ socketId, channel, presenceData }: ChannelAuthV3Input): string {
  const lines = [CHANNEL_AUTH_V3_TAG, socketId, channel.toLowerCase()];
  if (presenceData !== undefined) lines.push(presenceData);
  return lines.join('\n');
}

/** `auth` for subscribing one socket to a private or presence channel: `v3:<hex>`. */
export function signChannelV3(input: ChannelAuthV3Input & { secretKey: string }): string {
  requireSecret(input.secretKey);
  requireSocketId(input.socketId);
  requireChannel(input.channel);
  return CHANNEL_AUTH_V3_PREFIX + hmacSha256Hex(input.secretKey, channelAuthTextV3(input));
}

/** A wildcard pattern's text, loosely (the server parses it strictly before checking an auth). */
const PATTERN_TEXT = /^[A-Za-z0-9_\-=@,.;:]+\.\*\*?$/;

/**
 * `auth` for subscribing one socket to a `private-` wildcard pattern (`private-orders.*`):
 * `v3:<hex>`, the channel auth text with the pattern (lowercased) in the channel's place.
 */
export function signPatternV3(input: { socketId: string; pattern: string; secretKey: string }): string {
  requireSecret(input.secretKey);
  requireSocketId(input.socketId);
  if (typeof input.pattern !== 'string' || input.pattern.length > 200 || !PATTERN_TEXT.test(input.pattern)) {
    throw new TypeError('pattern must be a wildcard pattern such as "private-orders.*" or "private-orders.**"');
  }
  return CHANNEL_AUTH_V3_PREFIX + hmacSha256Hex(input.secretKey, channelAuthTextV3({ socketId: input.socketId, channel: input.pattern }));
}

/** What a v3 trigger covers. */
export interface TriggerV3Input {
  channel: string;
  /** Event name: 1 to 200 characters, not starting with `pushy:`, without `&`. */
  event: string;
  /** The request body exactly as it will be sent (default: none, delivered as `{}`). */
  body?: string;
  secretKey: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Connection that must not receive the event (the sender's own). */
  socketId?: string;
  /** Makes retries of this trigger publish once (1 to 200 characters, without `&`). */
  idempotencyKey?: string;
  /** `auth_nonce`: default 16 random hex digits (see {@link NonceOption}); `false` for none. */
  nonce?: NonceOption;
  /** The app id, for `/pushy/app/<id>/channel/...` (default: the default app's `/pushy/channel/...`). */
  app?: string;
}

/**
 * A v3 signature is good for one request, and two identical requests signed in the same second
 * have the same one: the second would be refused as a replay. A random `auth_nonce` (signed like
 * any parameter) tells them apart; `false` leaves it out (for fixed test vectors, say).
 */
export type NonceOption = string | false;

/**
 * The query of a v3 trigger, every parameter signed: `event`, `auth_timestamp`,
 * `auth_version`, `auth_nonce`, `body_sha256` (with a body), `socket_id`, `idempotency_key`,
 * `auth_signature`.
 */
export function signTriggerV3(input: TriggerV3Input): Record<string, string> {
  requireSecret(input.secretKey);
  const channel = requireChannel(input.channel);
  const query: Record<string, string> = { event: input.event, auth_timestamp: String(input.timestamp ?? nowSeconds()), auth_version: AUTH_VERSION_V3 };
  addNonce(query, input.nonce);
  if (input.socketId !== undefined) {
    requireSocketId(input.socketId);
    query.socket_id = input.socketId;
  }
  if (input.idempotencyKey !== undefined) query.idempotency_key = input.idempotencyKey;
  return signRequest({ method: 'POST', path: triggerPath(channel, input.app), query, body: input.body, secret: input.secretKey, bodyDigest: 'sha256' });
}

/** A complete v3 trigger URL: POST it with exactly the body it was signed with. */
export function triggerUrlV3(input: TriggerV3Input & { baseUrl: string }): string {
  const channel = requireChannel(input.channel);
  return withQuery(new URL(triggerPath(encodeURIComponent(channel), input.app), input.baseUrl), signTriggerV3(input));
}

/** What a v3 history read covers. */
export interface HistoryV3Input {
  channel: string;
  secretKey: string;
  /** Return the events after this offset (default 0). */
  since?: number;
  /** At most this many events (capped by the server). */
  limit?: number;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** `auth_nonce`, as for a trigger. */
  nonce?: NonceOption;
  /** The app id, as for a trigger. */
  app?: string;
}

/** The query of a v3 `GET /pushy/channel/<channel>/history`, every parameter signed. */
export function signHistoryV3(input: HistoryV3Input): Record<string, string> {
  requireSecret(input.secretKey);
  const channel = requireChannel(input.channel);
  const query: Record<string, string> = { auth_timestamp: String(input.timestamp ?? nowSeconds()), auth_version: AUTH_VERSION_V3 };
  addNonce(query, input.nonce);
  if (input.since !== undefined) query.since = String(input.since);
  if (input.limit !== undefined) query.limit = String(input.limit);
  return signRequest({ method: 'GET', path: historyPath(channel, input.app), query, secret: input.secretKey, bodyDigest: 'sha256' });
}

/** A complete v3 history URL. */
export function historyUrlV3(input: HistoryV3Input & { baseUrl: string }): string {
  const channel = requireChannel(input.channel);
  return withQuery(new URL(historyPath(encodeURIComponent(channel), input.app), input.baseUrl), signHistoryV3(input));
}

function addNonce(query: Record<string, string>, nonce: NonceOption | undefined): void {
  if (nonce === false) return;
  query.auth_nonce = nonce ?? randomBytes(8).toString('hex');
}

function withQuery(url: URL, query: Record<string, string>): string {
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return url.toString();
}

/** The lowercased channel; a TypeError for a name the server would refuse. */
function requireChannel(channel: string): string {
  const normalised = normaliseChannelName(channel);
  if (normalised === null) throw new TypeError(`invalid channel name: ${JSON.stringify(String(channel).slice(0, 210))}`);
  return normalised;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
