import { createHmac } from 'node:crypto';
import type { App, AppWebhook } from '../apps/app.js';
import type { WebhookEvent } from './webhook-event.js';

/** A webhook POST, ready to send. */
export interface WebhookRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The exact bytes that were signed (as UTF-8 text). */
  readonly body: string;
}

/** What a webhook request is made of. */
export interface WebhookRequestInput {
  url: string;
  /** The app key the receiver looks the secret up by (the app's current key). */
  key: string;
  /** The secret of that key: the signature's HMAC key. */
  secret: string;
  events: readonly WebhookEvent[];
  /** `time_ms` of the body: when this request was made. */
  timeMs: number;
  /** The webhook's own headers; those listed in {@link RESERVED_HEADERS} are left out. */
  extraHeaders?: Readonly<Record<string, string>>;
}

/**
 * Headers a webhook's own `headers` cannot set: the ones the signature check depends on, and the
 * ones that describe the connection or the body, which the HTTP client must own.
 */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'x-pusher-key',
  'x-pusher-signature',
  'x-pushy-key',
  'x-pushy-signature',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'proxy-connection',
]);

/** Lowercase hex HMAC-SHA256 of the raw body with the app secret: Pusher's webhook signature. */
export function signWebhookBody(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

/**
 * Builds a webhook request the way Pusher sends one: body `{"time_ms", "events"}`, content type
 * exactly `application/json` (what the SDKs' `webhook().isValid()` insists on), `X-Pusher-Key` and
 * `X-Pusher-Signature`, and the same two as `X-Pushy-Key`/`X-Pushy-Signature` for native backends.
 */
export function buildWebhookRequest(input: WebhookRequestInput): WebhookRequest {
  const body = JSON.stringify({ time_ms: input.timeMs, events: input.events });
  const signature = signWebhookBody(input.secret, body);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.extraHeaders ?? {})) {
    if (!RESERVED_HEADERS.has(name.toLowerCase())) headers[name] = value;
  }
  headers['Content-Type'] = 'application/json';
  headers['X-Pusher-Key'] = input.key;
  headers['X-Pusher-Signature'] = signature;
  headers['X-Pushy-Key'] = input.key;
  headers['X-Pushy-Signature'] = signature;
  return { url: input.url, headers, body };
}

/**
 * The webhook an entry was queued for, if the app still has it: the one at the same position
 * with the same URL, else the first with that URL (the list was reordered meanwhile).
 */
export function findWebhook(app: App, index: number, url: string): AppWebhook | undefined {
  const atIndex = app.webhooks[index];
  if (atIndex?.url === url) return atIndex;
  return app.webhooks.find((webhook) => webhook.url === url);
}

/** A webhook URL for logs: scheme, host and path only (user info and query may hold tokens). */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(unparsable url)';
  }
}
