/**
 * Which worker serves a request: SockJS keeps a session's state in one process, and every
 * request of a session (the WebSocket, or a stream and the xhr_send posts beside it) names it
 * in its path, `<prefix>/<server>/<session>/<transport>`. The session id decides the worker, so
 * that all of them land where the session lives; a request without one (`/info`, a trigger, a
 * health check) may go to any worker.
 */

/** Longest request line read before routing; a longer one goes to any worker, which refuses it. */
export const MAX_REQUEST_LINE_BYTES = 8192;

/** Routes session paths under the given SockJS prefixes to one of `workers` workers. */
export class SessionRouter {
  private readonly prefixes: string[];

  constructor(
    prefixes: readonly string[],
    readonly workers: number,
  ) {
    // A prefix of "/" serves sessions at "/<server>/<session>/<transport>".
    this.prefixes = prefixes.map((prefix) => (prefix.endsWith('/') ? prefix : `${prefix}/`));
  }

  /** The session id in a request target (origin form, as in a request line), if it names one. */
  sessionOf(target: string): string | undefined {
    const query = target.indexOf('?');
    const path = query === -1 ? target : target.slice(0, query);
    for (const prefix of this.prefixes) {
      if (!path.startsWith(prefix)) continue;
      const parts = path.slice(prefix.length).split('/');
      // server, session, transport, and at most an empty part after a trailing slash.
      if (parts.length < 3 || parts.length > 4 || (parts.length === 4 && parts[3] !== '')) continue;
      const [server, session, transport] = parts as [string, string, string];
      if (!isSegment(server) || !isSegment(session) || !isSegment(transport)) continue;
      return session;
    }
    return undefined;
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

/** A path segment SockJS accepts as a server or session id or a transport: no slash, no dot. */
function isSegment(text: string): boolean {
  return text.length > 0 && !text.includes('.');
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
