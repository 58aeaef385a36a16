import type { Server as HttpServer } from 'node:http';
import sockjs from 'sockjs';
import type { Logger } from '../logger.js';
import { adaptSockjsConnection } from '../transport/sockjs-connection.js';
import type { PusherClose } from './protocol.js';
import type { PusherSession, PusherTransport } from './session.js';

/**
 * SockJS prefix of the HTTP fallbacks, as a pattern: the `sockjs` package puts the prefix into
 * its route patterns as it is (`new RegExp('^' + prefix + …)`), so one server serves every key.
 */
export const PUSHER_SOCKJS_PREFIX = '/pusher/app/[^/.]+';

const KEY = /^\/pusher\/app\/([^/.]+)\//;

/** What the fallbacks need. */
export interface PusherFallbackOptions {
  httpServer: HttpServer;
  logger: Logger;
  /** Opens a session for a socket of app key `key`, or says why not. */
  open(key: string, query: URLSearchParams, transport: PusherTransport): PusherSession | PusherClose;
}

/**
 * pusher-js's HTTP fallbacks (`xhr_streaming`, `xhr_polling`): the SockJS wire format under
 * `/pusher/app/<key>`, served by the `sockjs` package; each connection runs a Pusher session
 * like a WebSocket does. Installs request handlers: call it once the router is in place.
 */
export function attachPusherFallbacks(options: PusherFallbackOptions): sockjs.Server {
  const { logger } = options;
  const server = sockjs.createServer({
    prefix: PUSHER_SOCKJS_PREFIX,
    websocket: false,
    log: (severity: string, message: string) => {
      if (severity === 'error') logger.debug(`pusher sockjs: ${message.split('\n', 1)[0]}`);
    },
  } as sockjs.ServerOptions);
  server.on('connection', (conn: sockjs.Connection | null) => {
    if (!conn) return;
    try {
      const target = conn.url ?? '';
      const mark = target.indexOf('?');
      let key = '';
      try {
        key = decodeURIComponent(KEY.exec(conn.pathname ?? target)?.[1] ?? '');
      } catch {
        key = '';
      }
      const socket = adaptSockjsConnection(conn);
      const opened = options.open(key, new URLSearchParams(mark === -1 ? '' : target.slice(mark + 1)), {
        name: conn.protocol,
        send: (text) => socket.write(text),
        close: (code, reason) => socket.close(code, reason),
        bufferedBytes: () => socket.bufferedBytes(),
        // sockjs cannot take back what it queued: the error goes after it, then the close.
        terminate: (code, reason, lastFrame) => {
          socket.write(lastFrame);
          socket.terminate(code, reason);
        },
      });
      if (!('receive' in opened)) {
        conn.write(JSON.stringify({ event: 'pusher:error', data: { message: opened.reason, code: opened.code } }));
        conn.close(String(opened.code), opened.reason);
        return;
      }
      conn.on('data', (data: unknown) => {
        if (typeof data === 'string') opened.receive(data);
        else opened.refuseBinary();
      });
      conn.once('close', () => opened.gone());
    } catch (error) {
      logger.error('pusher sockjs connection failed', { error });
      conn.close('1011', 'Internal error');
    }
  });
  server.installHandlers(options.httpServer, { prefix: PUSHER_SOCKJS_PREFIX });
  return server;
}
