import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { isPushyError, PushyError } from '../../errors.js';
import { readBodyBytes } from '../../http/body.js';
import { sendError } from '../../http/respond.js';
import type { Logger } from '../../logger.js';

/** What {@link guardSockjsBodies} needs. */
export interface SockjsBodyGuardOptions {
  /** The SockJS prefix, exactly as given to the `sockjs` package. */
  prefix: string;
  /** Largest body taken in, in bytes (see `maxClientMessageBytes`). */
  maxBytes: number;
  logger: Logger;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Reads the body of every POST the `sockjs` package would take (`xhr_send`, `jsonp_send`, and the
 * others, which have none) before it does, and refuses one over `maxBytes` with 413, by its
 * `Content-Length` or by the bytes counted as they come. The package then gets the whole body in
 * one piece: it copies everything received so far on every chunk, so a large body cost it
 * quadratic CPU and stalled the server. An upload the client cuts short never reaches it.
 * Installed after SockJS, this wraps the `request` listeners present then.
 */
export function guardSockjsBodies(httpServer: HttpServer, options: SockjsBodyGuardOptions): void {
  const { logger, maxBytes } = options;
  // The very test sockjs's installHandlers makes, the prefix going into the pattern as it is, so
  // that every request it takes is seen here first.
  const takenBySockjs = new RegExp(`^${options.prefix}([/].+|[/]?)$`);
  const listeners = httpServer.listeners('request') as RequestListener[];
  httpServer.removeAllListeners('request');
  const pass = (req: IncomingMessage, res: ServerResponse): void => {
    for (const listener of listeners) listener.call(httpServer, req, res);
  };

  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || !takenBySockjs.test(req.url ?? '')) {
      pass(req, res);
      return;
    }
    // An oversized body is drained (so that the client reads the 413) up to the bound again, then cut.
    readBodyBytes(req, maxBytes, maxBytes)
      .then(
        (body) => {
          pass(req, res);
          // The body was read already, so the stream will not emit again: sockjs's listeners
          // (added just now, as it handled the request) get it here, in one piece.
          if (body.length > 0) req.emit('data', body);
          req.emit('end');
        },
        (error: unknown) => refuse(req, res, error),
      )
      .catch((error: unknown) => logger.error('SockJS request failed', { method: req.method, error }));
  });

  function refuse(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    const refusal = isPushyError(error) ? error : new PushyError('BODY_INCOMPLETE');
    // Client faults (an upload too large, or cut short): a debug line at most.
    logger.debug('SockJS request body refused', { remote: req.socket.remoteAddress, code: refusal.code, message: refusal.message });
    if (res.headersSent || res.destroyed) return;
    sendError(res, refusal, { Connection: 'close' });
  }
}
