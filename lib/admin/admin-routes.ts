import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Route } from '../http/router.js';
import { adminApiRoutes, type AdminApiDeps } from './admin-api.js';
import { requireAdmin, type AdminCredentials } from './basic-auth.js';

/** What the admin side needs. */
export interface AdminRoutesDeps extends AdminApiDeps {
  credentials: AdminCredentials;
}

/** The dashboard's files, served from the package's `admin-ui/` folder. */
const UI_FILES: Record<string, { file: string; type: string }> = {
  '': { file: 'index.html', type: 'text/html; charset=utf-8' },
  'dashboard.js': { file: 'dashboard.js', type: 'application/javascript; charset=utf-8' },
  'dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
};

/**
 * Nothing from outside Pushy: the page loads its own script and style, the sockjs-client Pushy
 * serves, and talks to this origin only. Data shown is inserted as text, never as markup.
 */
const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * Every admin route (`/pushy/admin` dashboard and `/pushy/admin/api/*`), each behind the admin
 * credential. Only created when an admin credential is configured, so otherwise none exists.
 */
export function adminRoutes(deps: AdminRoutesDeps): Route[] {
  const routes = [...adminApiRoutes(deps), dashboardRoute(uiFolder())];
  return routes.map((route) => ({
    ...route,
    handle(ctx) {
      requireAdmin(ctx.req.headers.authorization, ctx.res, deps.credentials);
      return route.handle(ctx);
    },
  }));
}

function dashboardRoute(folder: string): Route {
  const cache = new Map<string, Buffer>();
  return {
    methods: ['GET', 'HEAD'],
    path: /^\/pushy\/admin(?:\/(?<file>dashboard\.js|dashboard\.css)?)?$/,
    handle({ req, res, params }) {
      const entry = UI_FILES[params.file ?? '']!;
      let body = cache.get(entry.file);
      if (!body) {
        body = readFileSync(path.join(folder, entry.file));
        cache.set(entry.file, body);
      }
      res.writeHead(200, {
        'Content-Type': entry.type,
        'Content-Length': body.length,
        'Cache-Control': 'no-cache',
        'Content-Security-Policy': DASHBOARD_CSP,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
  };
}

/** `admin-ui/` at the package root, found from here in `dist/lib/admin/` (or `lib/admin/`). */
function uiFolder(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../../../admin-ui'), path.resolve(here, '../../admin-ui')];
  const found = candidates.find((dir) => existsSync(path.join(dir, 'index.html')));
  if (!found) throw new Error(`admin dashboard files not found (looked in ${candidates.join(', ')})`);
  return found;
}
