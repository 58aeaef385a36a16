import { timingSafeEqual } from 'node:crypto';
import { PushyError } from '../errors.js';
import { signChannel, signTrigger } from '../signing.js';

/** Compares two signatures in constant time (for equal lengths; lengths are not secret). */
export function safeEqual(given: string, expected: string): boolean {
  // Equal UTF-8 bytes means equal UTF-16 lengths, so a length mismatch needs no encoding.
  if (given.length !== expected.length) return false;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

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

/**
 * Checks a trigger's timestamp window and signature; throws the catalogue error otherwise.
 * The timestamp must already be a valid integer text.
 */
export function verifyTrigger(secretKey: string, tolerance: number, input: TriggerAuthInput, nowMs = Date.now()): void {
  const skew = Math.abs(Math.floor(nowMs / 1000) - Number(input.timestamp));
  if (!(skew <= tolerance)) throw new PushyError('TIMESTAMP_OUT_OF_BOUNDS');
  const { channel, event, timestamp } = input;
  if (safeEqual(input.authKey, signTrigger({ channel, event, timestamp, secretKey, body: input.rawBody }))) return;
  // The v1 form is computed only when the raw body's signature did not match.
  if (safeEqual(input.authKey, signTrigger({ channel, event, timestamp, secretKey, body: JSON.stringify(input.parsedBody) }))) return;
  throw new PushyError('INVALID_CREDENTIALS');
}
