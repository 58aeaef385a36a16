import type { App } from '../../apps/app.js';
import { isLive } from '../../apps/app-keys.js';
import { PushyError, isPushyError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { verifyRequest, type VerifiedRequest } from '../../signing/http-request-signature.js';
import type { SignatureReplayStore } from '../../signing/replay-store.js';

/** Seconds a Pusher request's `auth_timestamp` may be off the server clock (Pusher's own window). */
export const PUSHER_TIMESTAMP_TOLERANCE = 600;

/** The narrow view of the app directory the API needs. */
export interface ApiApps {
  /** The app with this id, enabled or not; undefined when none. */
  get(id: string): App | undefined;
}

/** What {@link verifyApiRequest} checks. */
export interface ApiRequest {
  method: string;
  /** The request path as received: what the SDKs sign. */
  path: string;
  query: URLSearchParams;
  body: string;
}

/** The enabled app with this id: unknown 404 (`APP_NOT_FOUND`), disabled 403 (`APP_DISABLED`). */
export function findApiApp(apps: ApiApps, appId: string): App {
  const app = apps.get(appId);
  if (!app) throw new PushyError('APP_NOT_FOUND', `App "${appId.slice(0, 64)}" not found`);
  if (!app.enabled) throw new PushyError('APP_DISABLED', `App "${app.id}" is disabled`);
  return app;
}

/**
 * Checks a request's Pusher signature (../shared/PUSHER.md B): `auth_key` must be a live key of
 * the app and the signature made with its secret, the timestamp within 600 s and `body_md5`
 * that of the raw body, else 401 `API_UNAUTHORIZED` with the reason (never the secret nor the
 * signed text). Malformed parameters are 400.
 */
export function verifyApiRequest(app: App, request: ApiRequest, now: number): VerifiedRequest {
  const authKey = request.query.get('auth_key');
  if (authKey === null) throw new PushyError('API_UNAUTHORIZED', 'Missing parameter: auth_key');
  const pair = app.keys.find((candidate) => candidate.key === authKey);
  if (!pair) throw new PushyError('API_UNAUTHORIZED', 'Invalid auth_key: not a key of this app');
  if (!isLive(pair, now)) throw new PushyError('API_UNAUTHORIZED', 'Invalid auth_key: this key has expired');
  try {
    return verifyRequest({
      method: request.method,
      path: request.path,
      query: request.query,
      body: request.body,
      secret: pair.secret,
      bodyDigest: 'md5',
      version: '1.0',
      tolerance: PUSHER_TIMESTAMP_TOLERANCE,
      now,
    });
  } catch (error) {
    throw toUnauthorized(error);
  }
}

/** The signature module's 403s are Pusher's 401s; its 400s (malformed parameters) stay. */
function toUnauthorized(error: unknown): unknown {
  if (!isPushyError(error)) return error;
  if (error.errorName === 'TIMESTAMP_OUT_OF_BOUNDS') {
    return new PushyError('API_UNAUTHORIZED', `Timestamp expired: auth_timestamp must be within ${PUSHER_TIMESTAMP_TOLERANCE} s of the server clock`);
  }
  if (error.errorName === 'INVALID_CREDENTIALS') {
    const detail = error.message.startsWith('Invalid credentials: ') ? error.message.slice('Invalid credentials: '.length) : 'auth_signature does not match';
    return new PushyError('API_UNAUTHORIZED', `Invalid signature: ${detail}`);
  }
  return error;
}

/**
 * Runs `work` once per signature: the same signed request sent again within its window is
 * refused (409 `SIGNATURE_REPLAYED`). A failed `work` gives the signature back so that the
 * backend's retry of the very same request can run.
 */
export async function onceApi<T>(replays: SignatureReplayStore, verified: VerifiedRequest, logger: Logger, work: () => Promise<T>): Promise<T> {
  const claim = await replays.claim(verified.signature, verified.timestamp, verified.timestamp + PUSHER_TIMESTAMP_TOLERANCE);
  if (!claim.fresh) {
    if (claim.reason === 'seen') throw new PushyError('SIGNATURE_REPLAYED', 'Signature already used: this request was sent before (sign every request anew)');
    throw new PushyError('API_UNAUTHORIZED', 'Timestamp too old for this busy server: sign the request anew');
  }
  try {
    return await work();
  } catch (error) {
    await replays.release(verified.signature).catch((releaseError: unknown) => {
      logger.warn('giving back a used Pusher API signature failed: that request must be signed anew to be retried', { error: releaseError });
    });
    throw error;
  }
}
