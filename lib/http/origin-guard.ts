import { appKeyFromSocketPath } from '../apps/socket-path.js';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { PushyError, errorBody } from '../errors.js';
import type { Logger } from '../logger.js';
import { escapeRegExp } from '../util/regexp.js';
import { sendError } from './respond.js';

/** What {@link guardOrigins} needs. */
export interface OriginGuardOptions {
  /** URL path under which requests are checked (the SockJS prefix). */
  prefix: string;
  /** Allowed origins: `scheme://host[:port]`, or `scheme://*.domain[:port]` for its subdomains. */
  allowedOrigins: readonly string[];
  /**
   * The server's own origins (where it listens), always allowed: pages it serves itself (the
   * iframe transports, the admin dashboard) connect from there. Asked per request.
   */
  ownOrigins: () => readonly string[];
  logger: Logger;
}

/**
 * Builds the check of an `Origin` header against the allowed list. A request without `Origin`
 * (not a browser, or a script-tag transport) and one from the server's own origins pass: the list
 * is there to stop other sites' pages from opening connections with their visitors' browsers.
 * The `Host` header plays no part: the client chooses it (a page on a rebinding domain sends its
 * own name as both Host and Origin), so "same origin" means one of the server's own origins.
 */
export function originChecker(allowedOrigins: readonly string[]): (origin: string | undefined, ownOrigins: readonly string[]) => boolean {
  const exact = new Set<string>();
  const wildcards: RegExp[] = [];
  for (const entry of allowedOrigins) {
    const origin = entry.trim().toLowerCase().replace(/\/+$/, '');
    if (origin.includes('*')) {
      const pattern = escapeRegExp(origin).replace('\\*\\.', '(?:[a-z0-9-]+\\.)+');
      wildcards.push(new RegExp(`^${pattern}$`));
    } else {
      exact.add(origin);
    }
  }
  return (origin, ownOrigins) => {
    if (origin === undefined) return true;
    const normalised = origin.trim().toLowerCase();
    if (exact.has(normalised) || wildcards.some((pattern) => pattern.test(normalised))) return true;
    return ownOrigins.some((own) => own.toLowerCase() === normalised);
  };
}

/**
 * The origins of a server listening at `url` (`scheme://host:port`, as `PushyServer.url()` gives
 * it): that one, and when it listens on a loopback or every interface, its loopback names too
 * (what a browser on the same machine shows as the origin). Default ports are left out, as
 * browsers leave them out of `Origin`.
 */
export function listeningOrigins(url: string, boundHost: string): string[] {
  const listening = new URL(url);
  const names = new Set([listening.hostname]);
  if (['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost'].includes(boundHost)) {
    for (const name of ['localhost', '127.0.0.1', '[::1]']) names.add(name);
  }
  return [...names].map((name) => new URL(`${listening.protocol}//${name}:${listening.port}`).origin);
}

/**
 * Refuses browser requests from origins not in the list, for plain requests (403 JSON error)
 * and WebSocket upgrades (403 before the handshake), under the prefix only. Installed after
 * SockJS, it wraps the `request` and `upgrade` listeners present then. No list: nothing installed.
 */
export function guardOrigins(httpServer: HttpServer, options: OriginGuardOptions): void {
  if (options.allowedOrigins.length === 0) return;
  const allowed = originChecker(options.allowedOrigins);
  const prefix = options.prefix.replace(/\/+$/, '');
  const refused = (req: IncomingMessage): boolean => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    // The apps' socket endpoints (`/pushy/app/<key>/socket`) are checked like the default one.
    if (path !== prefix && !path.startsWith(prefix + '/') && appKeyFromSocketPath(path) === undefined) return false;
    const origin = req.headers.origin;
    if (allowed(origin, options.ownOrigins())) return false;
    options.logger.warn('origin refused', { origin, path });
    return true;
  };

  const requestListeners = httpServer.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  httpServer.removeAllListeners('request');
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (refused(req)) {
      sendError(res, new PushyError('ORIGIN_NOT_ALLOWED'));
      return;
    }
    for (const listener of requestListeners) listener.call(httpServer, req, res);
  });

  const upgradeListeners = httpServer.listeners('upgrade') as Array<(req: IncomingMessage, socket: Duplex, head: Buffer) => void>;
  httpServer.removeAllListeners('upgrade');
  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (refused(req)) {
      const error = new PushyError('ORIGIN_NOT_ALLOWED');
      const body = JSON.stringify({ error: errorBody(error) });
      socket.end(
        `HTTP/1.1 403 Forbidden\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    for (const listener of upgradeListeners) listener.call(httpServer, req, socket, head);
  });
}
