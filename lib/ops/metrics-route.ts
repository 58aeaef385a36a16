import type { Registry } from 'prom-client';
import { secretsEqual } from '../util/constant-time.js';
import { PushyError } from '../errors.js';
import type { Route } from '../http/router.js';
import { escapeRegExp } from '../util/regexp.js';

/** The challenge a refused scrape gets. */
export const METRICS_CHALLENGE = 'Bearer realm="Pushy metrics"';

/**
 * `GET <path>`: the Prometheus text exposition of a registry. With a `token`, only for a request
 * that sends it as `Authorization: Bearer <token>` (compared in constant time); others get 401.
 */
export function metricsRoute(path: string, registry: Registry, token = ''): Route {
  return {
    methods: ['GET', 'HEAD'],
    path: new RegExp(`^${escapeRegExp(path)}$`),
    async handle({ req, res }) {
      if (token !== '' && !bearerMatches(req.headers.authorization, token)) {
        // The router writes the error body; a header set now is merged into that answer.
        res.setHeader('WWW-Authenticate', METRICS_CHALLENGE);
        throw new PushyError('METRICS_UNAUTHORIZED');
      }
      const text = await registry.metrics();
      res.writeHead(200, {
        'Content-Type': registry.contentType,
        'Content-Length': Buffer.byteLength(text),
        'Cache-Control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : text);
    },
  };
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  // Compared even when absent, so that a missing header costs what a wrong one does.
  const equal = secretsEqual(match?.[1] ?? '', token);
  return match !== null && equal;
}
