import { PushyError, isPushyError } from '../../errors.js';
import type { Broker } from '../../broker/broker.js';
import { readBody } from '../../http/body.js';
import { sendJsonText } from '../../http/respond.js';
import type { Route } from '../../http/router.js';
import { verifyRequest } from '../../signing/http-request-signature.js';
import { TERMINATE_EVENT } from '../encoder.js';
import { USER_CHANNEL_PREFIX } from '../protocol.js';
import type { PusherApps } from '../session.js';

/** Largest body taken (the SDK sends `{}`). */
const MAX_BODY_BYTES = 10 * 1024;

/** Seconds a Pusher request's `auth_timestamp` may be off (Pusher's 600). */
const TIMESTAMP_TOLERANCE = 600;

/** What the route needs. */
export interface TerminateConnectionsDeps {
  apps: PusherApps;
  broker: Broker;
  now?: () => number;
}

/**
 * `POST /apps/<id>/users/<user>/terminate_connections` (Pusher HTTP API, signed with `auth_key`
 * and the app's secret): closes the user's signed-in sockets on every node with 4009. The order
 * goes through the broker on the user's channel, where every signed-in socket of the user is.
 */
export function terminateConnectionsRoute(deps: TerminateConnectionsDeps): Route {
  const now = deps.now ?? Date.now;
  return {
    methods: ['POST'],
    path: /^\/apps\/(?<app>[^/]+)\/users\/(?<user>[^/]+)\/terminate_connections$/,
    handle: async (ctx) => {
      const appId = decode(ctx.params.app!);
      const userId = decode(ctx.params.user!);
      const app = deps.apps.get(appId);
      if (!app) throw new PushyError('APP_NOT_FOUND', `App "${appId}" not found`);
      const body = await readBody(ctx.req, MAX_BODY_BYTES);
      const query = new URLSearchParams(ctx.search);
      const match = deps.apps.findSecret(query.get('auth_key') ?? '', now());
      if (!match || match.app.id !== app.id) throw new PushyError('PUSHER_UNAUTHORIZED', 'Unknown auth_key for this app');
      try {
        verifyRequest({ method: 'POST', path: ctx.url.pathname, query, body, secret: match.secret, bodyDigest: 'md5', version: '1.0', tolerance: TIMESTAMP_TOLERANCE, now: now() });
      } catch (error) {
        if (isPushyError(error) && error.errorName !== 'BAD_REQUEST') throw new PushyError('PUSHER_UNAUTHORIZED');
        throw error;
      }
      if (!app.enabled) throw new PushyError('APP_DISABLED', `App "${appId}" is disabled`);
      await deps.broker.publish({ type: 'event', app: app.id, channel: `${USER_CHANNEL_PREFIX}${userId}`, event: TERMINATE_EVENT, data: {} });
      sendJsonText(ctx.res, 200, '{}');
    },
  };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new PushyError('BAD_REQUEST', 'Malformed path');
  }
}
