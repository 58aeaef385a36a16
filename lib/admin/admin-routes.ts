import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { PushyError } from '../errors.js';
import type { Route, RouteContext } from '../http/router.js';
import { adminApiRoutes, type AdminApiDeps } from './admin-api.js';
import { ADMIN_CHALLENGE, checkBasicAuth, type AdminCredentials } from './basic-auth.js';
import type { LoginThrottle } from './login-throttle.js';
import { appsApiRoutes, type AppsApiDeps } from './apps-api.js';

/** What the admin side needs. */
export interface AdminRoutesDeps extends AdminApiDeps {
  credentials: AdminCredentials;
  /** Counts failed logins per client address and locks guessers out. */
  throttle: LoginThrottle;
  /** The apps routes (`/pushy/admin/api/apps`), when the server has an app directory. */
  appsApi?: AppsApiDeps;
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
  const routes = [...adminApiRoutes(deps), ...(deps.appsApi ? appsApiRoutes(deps.appsApi) : []), dashboardRoute(uiFolder())];
  return routes.map((route) => ({
    ...route,
    handle(ctx) {
      requireAdmin(ctx, deps);
      return route.handle(ctx);
    },
  }));
}

/**
 * Lets the request through only with the admin credential, from an address that is not locked
 * out. A request without credentials (a browser's first, before its login prompt) gets the
 * challenge and does not count as a failure; wrong credentials do, and are logged with the
 * client address (never what was sent).
 */
function requireAdmin({ req, res }: RouteContext, deps: AdminRoutesDeps): void {
  const address = req.socket.remoteAddress ?? '';
  const locked = deps.throttle.lockedFor(address);
  if (locked > 0) {
    // The router writes the error body; a header set now is merged into that answer.
    res.setHeader('Retry-After', String(Math.ceil(locked / 1000)));
    throw new PushyError('TOO_MANY_LOGIN_FAILURES');
  }
  const header = req.headers.authorization;
  if (checkBasicAuth(header, deps.credentials)) {
    deps.throttle.succeeded(address);
    return;
  }
  if (header !== undefined) {
    const lockout = deps.throttle.failed(address);
    if (lockout > 0) deps.logger.warn('admin login failed: address locked out', { address, lockoutSeconds: Math.ceil(lockout / 1000) });
    else deps.logger.warn('admin login failed', { address });
  }
  res.setHeader('WWW-Authenticate', ADMIN_CHALLENGE);
  throw new PushyError('UNAUTHORIZED');
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
