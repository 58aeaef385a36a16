import type { Registry } from 'prom-client';
import type { Route } from '../http/router.js';
import { escapeRegExp } from '../util/regexp.js';

/** `GET <path>`: the Prometheus text exposition of a registry. */
export function metricsRoute(path: string, registry: Registry): Route {
  return {
    methods: ['GET', 'HEAD'],
    path: new RegExp(`^${escapeRegExp(path)}$`),
    async handle({ req, res }) {
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
