/**
 * The v1/v2 (legacy) checks: channel auth and trigger `auth_key`, as `./v2.ts` signs
 * them. The server applies them through its signature policy (`./signature-policy.ts`),
 * and only while `signing.legacy` is on.
 */
import { PushyError } from '../errors.js';
import { isSocketId } from '../util/socket-id.js';
import { signChannel, signTrigger } from './v2.js';
import { safeEqual } from './safe-equal.js';

/** What a subscribe frame offers for a private or presence channel. */
export interface ChannelAuthInput {
  socketId: string;
  channel: string;
  auth: string;
  /** The presence data text as the client sent it. */
  presenceData?: string;
}

/**
 * Checks a channel `auth`. Accepts the v2 form (presence data as sent) and the v1 form
 * (presence data JSON-encoded once more).
 */
export function verifyChannelAuth(secretKey: string, input: ChannelAuthInput): boolean {
  const { socketId, channel, auth, presenceData } = input;
  // Never true for an id the server did not give out (signChannel would refuse to sign it).
  if (!isSocketId(socketId)) return false;
  if (safeEqual(auth, signChannel({ socketId, channel, presenceData, secretKey }))) return true;
  if (presenceData === undefined) return false;
  return safeEqual(auth, signChannel({ socketId, channel, presenceData: JSON.stringify(presenceData), secretKey }));
}

/** What a trigger request offers. */
export interface TriggerAuthInput {
  channel: string;
  event: string;
  timestamp: string;
  authKey: string;
  /** The body exactly as received. */
  rawBody: string;
  /** The parsed body, for the v1 signing of `JSON.stringify(body)`. */
  parsedBody: unknown;
}

/** Which body text a trigger's `auth_key` signed: the raw body (v2) or `JSON.stringify` of the parsed one (v1). */
export type SignedBody = 'raw' | 'parsed';

/**
 * Checks a trigger's timestamp window and signature; throws the catalogue error otherwise.
 * The timestamp must already be a valid integer text.
 */
export function verifyTrigger(secretKey: string, tolerance: number, input: TriggerAuthInput, nowMs = Date.now()): SignedBody {
  const skew = Math.abs(Math.floor(nowMs / 1000) - Number(input.timestamp));
  if (!(skew <= tolerance)) throw new PushyError('TIMESTAMP_OUT_OF_BOUNDS');
  const { channel, event, timestamp } = input;
  if (safeEqual(input.authKey, signTrigger({ channel, event, timestamp, secretKey, body: input.rawBody }))) return 'raw';
  // The v1 form is computed only when the raw body's signature did not match.
  if (safeEqual(input.authKey, signTrigger({ channel, event, timestamp, secretKey, body: JSON.stringify(input.parsedBody) }))) return 'parsed';
  throw new PushyError('INVALID_CREDENTIALS');
}
