import { triggerUrl, triggerUrlV3 } from '../../lib/signing.js';

/** What a trigger answered. */
export interface TriggerAnswer {
  status: number;
  body: any;
  text: string;
}

/** Options of {@link trigger}. */
export interface TriggerOptions {
  body?: string;
  contentType?: string;
  socketId?: string;
  timestamp?: number;
  secret: string;
  extraParams?: Record<string, string>;
  /** The app id: trigger on `/pushy/app/<id>/channel/...` (default: the default app). */
  app?: string;
}

/** Sends a correctly signed trigger through the real HTTP endpoint. */
export async function trigger(baseUrl: string, channel: string, event: string, data: unknown, options: TriggerOptions): Promise<TriggerAnswer> {
  const body = options.body ?? (data === undefined ? '' : JSON.stringify(data));
  const url = triggerUrl({
    baseUrl,
    channel,
    event,
    body,
    secretKey: options.secret,
    timestamp: options.timestamp,
    socketId: options.socketId,
    extraParams: options.extraParams,
    app: options.app,
  });
  return post(url, body, options.contentType ?? 'application/json');
}

/** Options of {@link triggerV3}. */
export interface TriggerV3Options {
  body?: string;
  contentType?: string;
  socketId?: string;
  idempotencyKey?: string;
  timestamp?: number;
  secret: string;
  /** The app id: trigger on `/pushy/app/<id>/channel/...` (default: the default app). */
  app?: string;
}

/** Sends a v3-signed trigger (every parameter signed) through the real HTTP endpoint. */
export async function triggerV3(baseUrl: string, channel: string, event: string, data: unknown, options: TriggerV3Options): Promise<TriggerAnswer> {
  const body = options.body ?? (data === undefined ? '' : JSON.stringify(data));
  const url = triggerUrlV3({
    baseUrl,
    channel,
    event,
    body,
    secretKey: options.secret,
    timestamp: options.timestamp,
    socketId: options.socketId,
    idempotencyKey: options.idempotencyKey,
    app: options.app,
  });
  return post(url, body, options.contentType ?? 'application/json');
}

/** POSTs a body and reads the JSON answer. */
export async function post(url: string, body: string | Buffer, contentType = 'application/json'): Promise<TriggerAnswer> {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': contentType } });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, text };
}
