import { randomBytes } from 'node:crypto';
import { signRequest } from './http-request-signature.js';
import { requireSecret } from './inputs.js';
import { AUTH_VERSION_V3, type NonceOption } from './v3.js';

/**
 * v3 signatures of the multi-channel and batch triggers. They sign like any v3 request (method,
 * path, every query parameter, `body_sha256`); the channels, events and idempotency keys are in
 * the body, so the query holds only the `auth_*` parameters.
 */

/** The path `POST /pushy/events` (one event to many channels) signs. */
export const EVENTS_PATH = '/pushy/events';

/** The path `POST /pushy/batch_events` (several events) signs. */
export const BATCH_EVENTS_PATH = '/pushy/batch_events';

/** What a v3 multi-channel or batch trigger covers. */
export interface EventsV3Input {
  /** `events`: `POST /pushy/events`; `batch`: `POST /pushy/batch_events`. */
  route: 'events' | 'batch';
  /** The JSON body exactly as it will be sent. */
  body: string;
  secretKey: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** `auth_nonce`: default 16 random hex digits; `false` for none. */
  nonce?: NonceOption;
}

/** The signed query of a v3 `POST /pushy/events` or `POST /pushy/batch_events`. */
export function signEventsV3(input: EventsV3Input): Record<string, string> {
  requireSecret(input.secretKey);
  const query: Record<string, string> = { auth_timestamp: String(input.timestamp ?? Math.floor(Date.now() / 1000)), auth_version: AUTH_VERSION_V3 };
  if (input.nonce !== false) query.auth_nonce = input.nonce ?? randomBytes(8).toString('hex');
  return signRequest({ method: 'POST', path: eventsPath(input.route), query, body: input.body, secret: input.secretKey, bodyDigest: 'sha256' });
}

/** A complete v3 URL of `POST /pushy/events` or `POST /pushy/batch_events`: POST it with exactly `body`. */
export function eventsUrlV3(input: EventsV3Input & { baseUrl: string }): string {
  const url = new URL(eventsPath(input.route), input.baseUrl);
  for (const [key, value] of Object.entries(signEventsV3(input))) url.searchParams.set(key, value);
  return url.toString();
}

function eventsPath(route: EventsV3Input['route']): string {
  return route === 'batch' ? BATCH_EVENTS_PATH : EVENTS_PATH;
}
