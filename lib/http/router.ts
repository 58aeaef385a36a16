import type { IncomingMessage, ServerResponse } from 'node:http';
import { PushyError, isPushyError } from '../errors.js';
import type { Logger } from '../logger.js';
import { sendError } from './respond.js';

/** What a route handler gets. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** The request URL, parsed (when first read: the trigger path does without it). */
  readonly url: URL;
  /**
   * The query string with its leading `?` ('' when none), for `new URLSearchParams(search)`
   * (which drops that one `?`): the same parameters as `url.searchParams`.
   */
  readonly search: string;
  /** Named groups of the route's path pattern, still percent-encoded (a null-prototype object). */
  params: Record<string, string>;
}

/** One HTTP route. */
export interface Route {
  /** Methods served (HEAD is not implied). */
  methods: readonly string[];
  /** Matches the raw (encoded) path; named groups become `params`. */
  path: RegExp;
  handle(ctx: RouteContext): Promise<void> | void;
}

const BASE_URL = 'http://pushy.invalid';

/**
 * A request target that `new URL` would leave as it is: an absolute path (not `//`), with only
 * characters it neither escapes nor rewrites, no dot segment (plain or escaped) and no fragment.
 * Such a target is split by hand; anything else goes through `new URL`.
 */
const PLAIN_TARGET = /^\/(?!\/)[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/;
const DOT_SEGMENT = /\/\.|%2e/i;

/**
 * Splits a plain request target (see {@link PLAIN_TARGET}) into path and query by hand, which
 * the trigger hot path needs instead of a `new URL`; undefined for any other target. For a plain
 * target it gives the same pathname as `new URL` and a search with the same parameters.
 */
export function splitPlainTarget(target: string): { pathname: string; search: string } | undefined {
  if (!PLAIN_TARGET.test(target) || DOT_SEGMENT.test(target)) return undefined;
  const mark = target.indexOf('?');
  return mark === -1 ? { pathname: target, search: '' } : { pathname: target.slice(0, mark), search: target.slice(mark) };
}

/** A route's context; the URL is parsed when first asked for. */
class RequestContext implements RouteContext {
  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly target: string,
    private parsed: URL | undefined,
    readonly search: string,
    readonly params: Record<string, string>,
  ) {}

  get url(): URL {
    this.parsed ??= new URL(this.target, BASE_URL);
    return this.parsed;
  }
}

/**
 * The HTTP error boundary: finds the route, answers 404/405, and turns thrown catalogue errors
 * into JSON error bodies. Anything unexpected is logged with the path and answered 500.
 */
export function createRouter(routes: readonly Route[], logger: Logger): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const target = req.url ?? '/';
    let url: URL | undefined;
    let parts = splitPlainTarget(target);
    if (!parts) {
      try {
        url = new URL(target, BASE_URL);
      } catch {
        sendError(res, new PushyError('BAD_REQUEST', 'Malformed request URL'));
        return;
      }
      parts = { pathname: url.pathname, search: url.search };
    }
    const { pathname, search } = parts;
    const method = req.method ?? 'GET';
    // The first route whose path and method match; whether any path matched, for 404 vs 405.
    let pathMatched = false;
    for (const route of routes) {
      const match = route.path.exec(pathname);
      if (!match) continue;
      pathMatched = true;
      if (!route.methods.includes(method)) continue;
      // The match's own groups object: copying it (a dictionary) cost more than the rest of routing.
      void run(route, new RequestContext(req, res, target, url, search, match.groups ?? {}), method, pathname);
      return;
    }
    if (!pathMatched) {
      sendError(res, new PushyError('NOT_FOUND'));
      return;
    }
    const allow = [...new Set(routes.filter((route) => route.path.test(pathname)).flatMap((route) => route.methods))].join(', ');
    sendError(res, new PushyError('METHOD_NOT_ALLOWED'), { Allow: allow });
  };

  /** Runs a handler; never rejects (nothing may reach an unhandled rejection). */
  async function run(route: Route, ctx: RouteContext, method: string, pathname: string): Promise<void> {
    try {
      await route.handle(ctx);
    } catch (error) {
      try {
        answerFailure(ctx.res, error, method, pathname);
      } catch (answerError) {
        // Answering itself failed (the socket is gone): there is nobody left to tell.
        logger.debug('HTTP answer failed', { method, path: pathname, error: answerError instanceof Error ? answerError.message : String(answerError) });
      }
    }
  }

  function answerFailure(res: ServerResponse, error: unknown, method: string, pathname: string): void {
    if (res.headersSent) {
      logger.error('HTTP handler failed after answering', { path: pathname, error });
      res.destroy();
      return;
    }
    if (isPushyError(error)) {
      // A refusal is the client's fault (or a shutdown): worth a debug line, never an error
      // line, or any client could fill the log.
      logger.debug('HTTP request refused', { method, path: pathname, code: error.code, message: error.message });
      // Past a refused or cut upload, or during shutdown, the client should not reuse this connection.
      const close = error.status === 413 || error.status === 503 || error.errorName === 'BODY_INCOMPLETE';
      sendError(res, error, close ? { Connection: 'close' } : {});
      return;
    }
    logger.error('HTTP handler failed', { method, path: pathname, error });
    sendError(res, new PushyError('INTERNAL'));
  }
}
