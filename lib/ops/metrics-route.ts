import type { Registry } from 'prom-client';
import type { Route } from '../http/router.js';

/** `GET <path>`: the Prometheus text exposition of a registry. */
export function metricsRoute(path: string, registry: Registry): Route {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    methods: ['GET', 'HEAD'],
    path: new RegExp(`^${escaped}$`),
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
