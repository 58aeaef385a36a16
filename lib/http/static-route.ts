import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { escapeRegExp } from '../util/regexp.js';
import type { Route } from './router.js';

/** A file served from memory with a content type, read once on first request. */
export function staticFileRoute(urlPath: string, filePath: string, contentType: string): Route {
  let body: Buffer | undefined;
  return {
    methods: ['GET', 'HEAD'],
    path: new RegExp(`^${escapeRegExp(urlPath)}$`),
    handle({ req, res }) {
      body ??= readFileSync(filePath);
      res.writeHead(200, {
        'Content-Type': contentType,
        'Content-Length': body.length,
        'Cache-Control': 'public, max-age=3600',
        'Access-Control-Allow-Origin': '*',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
  };
}

/** Serves the sockjs-client build that the iframe transports load (no CDN needed). */
export function sockjsClientRoute(urlPath = '/pushy/sockjs.min.js'): Route {
  const require = createRequire(import.meta.url);
  return staticFileRoute(urlPath, require.resolve('sockjs-client/dist/sockjs.min.js'), 'application/javascript; charset=utf-8');
}
