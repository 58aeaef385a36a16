/**
 * Which worker serves a request: SockJS keeps a session's state in one process, and every
 * request of a session (the WebSocket, or a stream and the xhr_send posts beside it) names it
 * in its path, `<prefix>/<server>/<session>/<transport>`. The session id decides the worker, so
 * that all of them land where the session lives; a request without one (`/info`, a trigger, a
 * health check) may go to any worker.
 */
import { socketPrefixPattern } from '../apps/socket-path.js';
import type { PushyConfig } from '../config.js';
import { PUSHER_SOCKJS_PREFIX } from '../pusher/sockjs-fallback.js';

/**
 * The router for a configuration: the native endpoints (the default app's prefix and the apps'
 * `/pushy/app/<key>/socket`) and the Pusher front end's SockJS fallbacks.
 */
export function sessionRouter(config: Pick<PushyConfig, 'sockjs'>, workers: number): SessionRouter {
  return new SessionRouter([socketPrefixPattern(config.sockjs.prefix), PUSHER_SOCKJS_PREFIX], workers);
}

/** Longest request line read before routing; a longer one goes to any worker, which refuses it. */
export const MAX_REQUEST_LINE_BYTES = 8192;

/** Routes session paths under the given SockJS prefixes to one of `workers` workers. */
export class SessionRouter {
  private readonly path: RegExp;

  constructor(
    /** SockJS prefixes as regular expression sources, as the `sockjs` package reads them. */
    prefixes: readonly string[],
    readonly workers: number,
  ) {
    // server, session, transport (no slash, no dot in any), and maybe a trailing slash.
    this.path = new RegExp(`^(?:${prefixes.join('|')})/[^/.]+/([^/.]+)/[^/.]+/?$`);
  }

  /** The session id in a request target (origin form, as in a request line), if it names one. */
  sessionOf(target: string): string | undefined {
    const query = target.indexOf('?');
    return this.path.exec(query === -1 ? target : target.slice(0, query))?.[1];
  }

  /** The worker (0 to workers-1) of a session: the same for every request that names it. */
  workerOf(session: string): number {
    return fnv1a(session) % this.workers;
  }

  /** The worker a request target must go to, or undefined when any worker may serve it. */
  route(target: string): number | undefined {
    const session = this.sessionOf(target);
    return session === undefined ? undefined : this.workerOf(session);
  }
}

/**
 * The request target of the request line at the start of `head` (`GET /path HTTP/1.1`);
 * `incomplete` while the line has not ended yet, `undefined` when it is not a request line.
 */
export function requestTarget(head: Buffer): string | 'incomplete' | undefined {
  const end = head.indexOf('\r\n');
  if (end === -1) return head.length > MAX_REQUEST_LINE_BYTES ? undefined : 'incomplete';
  const line = head.toString('latin1', 0, end);
  const first = line.indexOf(' ');
  const last = line.lastIndexOf(' ');
  if (first <= 0 || last <= first) return undefined;
  return line.slice(first + 1, last);
}

/** 32-bit FNV-1a of a string's UTF-16 code units: cheap, and spreads session ids evenly. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
