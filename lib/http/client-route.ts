import { fileURLToPath } from 'node:url';
import type { Route } from './router.js';
import { staticFileRoute } from './static-route.js';

/** Where `npm run build` puts the script-tag bundle of the browser client. */
export const BROWSER_CLIENT_BUNDLE = fileURLToPath(new URL('../../client/pushy.iife.js', import.meta.url));

/** Serves the browser client bundle (global `Pushy`, sockjs-client inside) for `<script src>`. */
export function browserClientRoute(urlPath = '/pushy/client.js'): Route {
  return staticFileRoute(urlPath, BROWSER_CLIENT_BUNDLE, 'application/javascript; charset=utf-8');
}
