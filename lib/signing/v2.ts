import { hash } from 'node:crypto';
import { requireSecret, requireSocketId } from './inputs.js';

/**
 * The v1/v2 (legacy) signatures, for backends and for the server's compatibility check. Every
 * signature is the lowercase hex SHA-256 of a `:`-joined text that ends with the secret key.
 * `:` may also appear in channel and event names, so a text can be split another way (channel
 * `news`/event `update:v2` signs like `news:update`/`v2`): v3 (`./v3.ts`) cannot be; the server
 * takes these forms only while `signing.legacy` is on.
 */

/** Lowercase hex SHA-256 of a UTF-8 text. */
export function sha256Hex(text: string): string {
  // The one-shot form: no Hash object per signature.
  return hash('sha256', text, 'hex');
}

/** What a trigger signature covers. */
export interface TriggerSignatureInput {
  channel: string;
  event: string;
  /** Unix time in seconds. */
  timestamp: number | string;
  /** The request body exactly as sent; empty or absent signs as `{}`. */
  body?: string;
  secretKey: string;
}

/**
 * (v2, legacy) `auth_key` for `POST /pushy/channel/<channel>/trigger`:
 * `sha256(lowercase(channel):event:timestamp:body:secretKey)`.
 */
export function signTrigger({ channel, event, timestamp, body, secretKey }: TriggerSignatureInput): string {
  requireSecret(secretKey);
  const signedBody = body === undefined || body === '' ? '{}' : body;
  return sha256Hex(`${channel.toLowerCase()}:${event}:${timestamp}:${signedBody}:${secretKey}`);
}

/** What a channel subscription signature covers. */
export interface ChannelSignatureInput {
  socketId: string;
  channel: string;
  /** Presence data, exactly the JSON text the client will send as `data`. */
  presenceData?: string;
  secretKey: string;
}

/**
 * (v2, legacy) `auth` for subscribing to a private or presence channel:
 * `sha256(socketId:lowercase(channel)[:presenceData]:secretKey)`.
 */
export function signChannel({ socketId, channel, presenceData, secretKey }: ChannelSignatureInput): string {
  requireSecret(secretKey);
  requireSocketId(socketId);
  const parts = [socketId, channel.toLowerCase()];
  if (presenceData !== undefined) parts.push(presenceData);
  parts.push(secretKey);
  return sha256Hex(parts.join(':'));
}

/** What {@link triggerUrl} needs. */
export interface TriggerUrlInput {
  /** Server base URL, e.g. `http://localhost:8123`. */
  baseUrl: string;
  channel: string;
  event: string;
  /** The request body exactly as it will be sent (default: none). */
  body?: string;
  secretKey: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Connection that must not receive the event (the sender's own). */
  socketId?: string;
  /** Extra query parameters that are not signed (e.g. `idempotency_key`). */
  extraParams?: Record<string, string>;
  /** The app id, for `/pushy/app/<id>/channel/...` (default: the default app's `/pushy/channel/...`). */
  app?: string;
}

/** (v2, legacy) A complete trigger URL signed with `auth_key`; `triggerUrlV3` signs every parameter. */
export function triggerUrl(input: TriggerUrlInput): string {
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
  const channel = input.channel.toLowerCase();
  const authKey = signTrigger({ channel, event: input.event, timestamp, body: input.body, secretKey: input.secretKey });
  const url = new URL(`${input.app === undefined ? '/pushy' : `/pushy/app/${encodeURIComponent(input.app)}`}/channel/${encodeURIComponent(channel)}/trigger`, input.baseUrl);
  url.searchParams.set('event', input.event);
  url.searchParams.set('timestamp', String(timestamp));
  url.searchParams.set('auth_key', authKey);
  if (input.socketId !== undefined) url.searchParams.set('socket_id', input.socketId);
  for (const [key, value] of Object.entries(input.extraParams ?? {})) url.searchParams.set(key, value);
  return url.toString();
}
