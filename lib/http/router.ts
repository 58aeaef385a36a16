import type { IncomingMessage, ServerResponse } from 'node:http';
import { PushyError, isPushyError } from '../errors.js';
import type { Logger } from '../logger.js';
import { sendError } from './respond.js';

/** What a route handler gets. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Named groups of the route's path pattern, still percent-encoded. */
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

/**
 * The HTTP error boundary: finds the route, answers 404/405, and turns thrown catalogue errors
 * into JSON error bodies. Anything unexpected is logged with the path and answered 500.
 */
export function createRouter(routes: readonly Route[], logger: Logger): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void handle(req, res);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://pushy.invalid');
    } catch {
      sendError(res, new PushyError('BAD_REQUEST', 'Malformed request URL'));
      return;
    }
    const matching = routes.map((route) => ({ route, match: route.path.exec(url.pathname) })).filter((m) => m.match);
    if (matching.length === 0) {
      sendError(res, new PushyError('NOT_FOUND'));
      return;
    }
    const method = req.method ?? 'GET';
    const found = matching.find((m) => m.route.methods.includes(method));
    if (!found || !found.match) {
      const allow = [...new Set(matching.flatMap((m) => m.route.methods))].join(', ');
      sendError(res, new PushyError('METHOD_NOT_ALLOWED'), { Allow: allow });
      return;
    }
    try {
      await found.route.handle({ req, res, url, params: { ...found.match.groups } });
    } catch (error) {
      if (res.headersSent) {
        logger.error('HTTP handler failed after answering', { path: url.pathname, error });
        res.destroy();
        return;
      }
      if (isPushyError(error)) {
        // Past a refused upload or during shutdown, the client should not reuse this connection.
        sendError(res, error, error.status === 413 || error.status === 503 ? { Connection: 'close' } : {});
        return;
      }
      logger.error('HTTP handler failed', { method, path: url.pathname, error });
      sendError(res, new PushyError('INTERNAL'));
    }
  }
}
