import Pusher from 'pusher';
import { signRequest } from '../../lib/signing/http-request-signature.js';
import { request, type HttpAnswer } from './http.js';

/** An app as a backend knows it. */
export interface ApiApp {
  id: string;
  key: string;
  secret: string;
}

/** The unmodified `pusher` Node SDK pointed at a test server. */
export function pusherSdk(url: string, app: ApiApp): Pusher {
  const { hostname, port } = new URL(url);
  return new Pusher({ appId: app.id, key: app.key, secret: app.secret, host: hostname, port, useTLS: false });
}

/** What {@link signedApiRequest} sends. */
export interface SignedApiRequest {
  method: 'GET' | 'POST';
  /** e.g. `/apps/3/events`. */
  path: string;
  query?: Record<string, string>;
  body?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Sent instead of `body`, which is what gets signed (a body changed on the way). */
  sentBody?: string;
}

/** A request signed as the Pusher SDKs sign it (../shared/PUSHER.md B), sent for real. */
export function signedApiRequest(url: string, app: ApiApp, input: SignedApiRequest): Promise<HttpAnswer> {
  const query = signRequest({
    method: input.method,
    path: input.path,
    query: { auth_key: app.key, auth_timestamp: String(input.timestamp ?? Math.floor(Date.now() / 1000)), auth_version: '1.0', ...input.query },
    body: input.body ?? '',
    secret: app.secret,
    bodyDigest: 'md5',
  });
  return sendApiRequest(`${url}${input.path}?${new URLSearchParams(query).toString()}`, input.method, input.sentBody ?? input.body);
}

/** Sends a request exactly as given. */
export function sendApiRequest(target: string, method: 'GET' | 'POST', body?: string): Promise<HttpAnswer> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = body;
    init.headers = { 'content-type': 'application/json' };
  }
  return request(target, init);
}

/** The status of a failed SDK call (the SDK throws a RequestError carrying it). */
export async function sdkStatus(call: Promise<unknown>): Promise<number> {
  try {
    const response = (await call) as { status: number };
    return response.status;
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (typeof status !== 'number') throw error;
    return status;
  }
}
