import type { Server as HttpServer } from 'node:http';
import type { Route } from '../http/router.js';
import { PUSHER_CLOSES, PUSHER_PROTOCOL, type PusherClose } from './protocol.js';
import { terminateConnectionsRoute } from './http-api/terminate-connections.js';
import { PusherSession, type PusherTransport } from './session.js';
import { attachPusherFallbacks, PUSHER_SOCKJS_PREFIX } from './sockjs-fallback.js';
import type { PusherSessionDeps } from './session.js';
import { PusherSocketIds } from './socket-id.js';
import { attachPusherWs, messageText } from './ws-endpoint.js';
import { PusherWsSocket } from './ws-socket.js';
import { FrameBatcher } from '../transport/frame-batcher.js';

/** Seconds of silence after which a client pings (sent in the handshake; Pusher recommends 120). */
export const DEFAULT_ACTIVITY_TIMEOUT = 120;

/** Milliseconds a server ping may go unanswered before the socket is closed with 4201. */
export const PONG_TIMEOUT_MS = 30_000;

/** What the Pusher front end needs. */
export interface PusherFrontEndDeps extends PusherSessionDeps {
  /** Largest client message, in bytes. */
  maxPayload: number;
  /** Seconds announced as `activity_timeout` and after which the server pings a silent client. */
  activityTimeout?: number;
  /** Most open Pusher connections on this node (`limits.maxConnections`); more are refused with 4100. */
  maxConnections: number;
}

/** The Pusher protocol front end: `/app/<key>` WebSockets and its HTTP API routes. */
export interface PusherFrontEnd {
  /** Its HTTP routes (`terminate_connections`). */
  readonly routes: Route[];
  /** Open sessions on this node. */
  readonly sessions: ReadonlySet<PusherSession>;
  /** SockJS prefix (a pattern) of the HTTP fallbacks, for the body guard the server puts in front of them. */
  readonly fallbackPrefix: string;
  /**
   * Takes the `/app/<key>` upgrades and the `/pusher/app/<key>` fallbacks of the server; call
   * after the native front end attached (SockJS wraps the request listeners present then).
   */
  attach(httpServer: HttpServer): void;
  /** Closes every session (4200: pusher-js reconnects at once, to another node) and stops. */
  closeAll(): void;
}

/** The `protocol` query's refusal, if any (4008 none, 4007 out of range). */
function checkProtocol(value: string | null): PusherClose | undefined {
  if (value === null || value === '') return PUSHER_CLOSES.NO_PROTOCOL;
  const version = Number(value);
  if (!Number.isInteger(version) || version < PUSHER_PROTOCOL.min || version > PUSHER_PROTOCOL.max) return PUSHER_CLOSES.UNSUPPORTED_PROTOCOL;
  return undefined;
}

/** Builds the Pusher front end on the channel core. */
export function createPusherFrontEnd(deps: PusherFrontEndDeps): PusherFrontEnd {
  const sessions = new Set<PusherSession>();
  const ids = new PusherSocketIds();
  // One per front end: every Pusher WebSocket's frames of a turn are batched together, so a batch
  // due to many sockets is built once.
  const batcher = new FrameBatcher();
  const activityTimeout = deps.activityTimeout ?? DEFAULT_ACTIVITY_TIMEOUT;
  /** Open sessions per app id, for the apps' `maxConnections`. */
  const perApp = new Map<string, number>();
  let closed = false;
  let detach: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  /** Opens a session for a socket of app key `key`, or says why not. */
  const open = (key: string, query: URLSearchParams, transport: PusherTransport): PusherSession | PusherClose => {
    const refusal = checkProtocol(query.get('protocol'));
    if (refusal) return refusal;
    const app = deps.apps.getByKey(key);
    if (!app || !deps.apps.findSecret(key)) return PUSHER_CLOSES.APP_NOT_FOUND;
    if (!app.enabled) return PUSHER_CLOSES.APP_DISABLED;
    if (closed) return PUSHER_CLOSES.SERVER_RESTARTING;
    if (sessions.size >= deps.maxConnections) return PUSHER_CLOSES.OVER_CAPACITY;
    const ofApp = perApp.get(app.id) ?? 0;
    if (app.maxConnections !== undefined && ofApp >= app.maxConnections) return PUSHER_CLOSES.OVER_CONNECTION_QUOTA;
    const session = new PusherSession(ids.next(), app, transport, deps);
    sessions.add(session);
    perApp.set(app.id, ofApp + 1);
    session.onClose(() => {
      sessions.delete(session);
      const left = (perApp.get(app.id) ?? 1) - 1;
      if (left > 0) perApp.set(app.id, left);
      else perApp.delete(app.id);
    });
    session.start(activityTimeout);
    return session;
  };

  return {
    routes: [terminateConnectionsRoute({ apps: deps.apps, broker: deps.broker })],
    sessions,
    fallbackPrefix: PUSHER_SOCKJS_PREFIX,
    attach(httpServer) {
      attachPusherFallbacks({ httpServer, logger: deps.logger, open });
      detach = attachPusherWs({
        httpServer,
        maxPayload: deps.maxPayload,
        logger: deps.logger,
        onSocket: (ws, socket, key, query) => {
          const opened = open(key, query, new PusherWsSocket(ws, socket, batcher));
          if (!(opened instanceof PusherSession)) return opened;
          ws.on('message', (data, isBinary) => {
            const text = messageText(data, isBinary);
            if (text === undefined) opened.refuseBinary();
            else opened.receive(text);
          });
          ws.on('pong', () => opened.alive());
          ws.once('close', () => opened.gone());
          return undefined;
        },
      });
      const activityMs = activityTimeout * 1000;
      timer = setInterval(() => {
        const now = Date.now();
        for (const session of sessions) session.checkActivity(now, activityMs, PONG_TIMEOUT_MS);
      }, Math.min(activityMs, PONG_TIMEOUT_MS) / 4);
      timer.unref();
      httpServer.once('close', () => this.closeAll());
    },
    closeAll() {
      closed = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      detach?.();
      detach = undefined;
      for (const session of sessions) session.closeWith(PUSHER_CLOSES.SERVER_RESTARTING);
    },
  };
}
