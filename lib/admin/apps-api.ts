import { z } from 'zod';
import type { AppDirectory } from '../apps/app-directory.js';
import { redactApp, type App, type AppCreateInput } from '../apps/app.js';
import { DEFAULT_APP } from '../apps/namespace.js';
import { PushyError } from '../errors.js';
import { sendJson } from '../http/respond.js';
import type { Route } from '../http/router.js';
import type { AppCounters } from '../stats/app-counters.js';
import type { OpenConnections } from '../stats/connections.js';
import { describeIssue } from '../util/zod-issue.js';
import { readJson } from './admin-api.js';

/** What the admin app routes need. */
export interface AppsApiDeps {
  apps: AppDirectory;
  /** This node's open connections, counted per app. */
  connections: OpenConnections;
  /** This node's per-app message counts. */
  counters: AppCounters;
  maxBodyBytes: number;
}

/** A rotation's options as the admin API takes them (the key and secret are always generated). */
const rotateBody = z.strictObject({
  graceSeconds: z.number().int().min(0).optional(),
});

/** An app id in a path, still percent-encoded. */
const APP_PATH = '(?<id>[^/]+)';

/**
 * The admin API's apps, under `/pushy/admin/api/apps` (behind the admin credential, like the rest):
 * list with this node's connection and message counts, create, disable/enable, rotate a key
 * (the new secret is in that answer only), delete. Secrets are never listed. With the config
 * store every change answers 409 `APPS_READ_ONLY`; the default app (`secretKey`) cannot be changed.
 */
export function appsApiRoutes(deps: AppsApiDeps): Route[] {
  const { apps } = deps;
  const describe = (app: App, perApp: Map<string, number>) => ({
    ...redactApp(app),
    connections: perApp.get(app.id) ?? 0,
    messages: deps.counters.messages(app.id),
  });
  const countConnections = (): Map<string, number> => {
    const perApp = new Map<string, number>();
    for (const connection of deps.connections()) {
      const app = connection.app ?? DEFAULT_APP;
      perApp.set(app, (perApp.get(app) ?? 0) + 1);
    }
    return perApp;
  };
  const storeId = (encoded: string | undefined): string => {
    let id: string;
    try {
      id = decodeURIComponent(encoded ?? '');
    } catch {
      throw new PushyError('APP_NOT_FOUND');
    }
    if (id === apps.defaultApp.id) throw new PushyError('APPS_READ_ONLY', 'The default app is the top-level secretKey: change it in the config');
    return id;
  };
  const answer = (res: Parameters<Route['handle']>[0]['res'], status: number, app: App): void => sendJson(res, status, { app: describe(app, countConnections()) });

  return [
    {
      methods: ['GET'],
      path: /^\/pushy\/admin\/api\/apps\/?$/,
      handle({ res }) {
        const perApp = countConnections();
        sendJson(res, 200, { store: apps.store.type, writable: apps.store.writable, apps: apps.list().map((app) => describe(app, perApp)) });
      },
    },
    {
      methods: ['POST'],
      path: /^\/pushy\/admin\/api\/apps\/?$/,
      async handle({ req, res }) {
        // The store parses the app (safeParse with its schema) and refuses it with INVALID_APP.
        const created = await apps.store.create((await readJson(req, deps.maxBodyBytes)) as AppCreateInput);
        sendJson(res, 201, { app: describe(created.app, countConnections()), key: created.key, secret: created.secret });
      },
    },
    {
      methods: ['POST'],
      path: new RegExp(`^/pushy/admin/api/apps/${APP_PATH}/(?<action>enable|disable)/?$`),
      async handle({ res, params }) {
        answer(res, 200, await apps.store.update(storeId(params.id), { enabled: params.action === 'enable' }));
      },
    },
    {
      methods: ['POST'],
      path: new RegExp(`^/pushy/admin/api/apps/${APP_PATH}/rotate/?$`),
      async handle({ req, res, params }) {
        const id = storeId(params.id);
        const body = rotateBody.safeParse(req.headers['content-length'] === '0' || req.headers['content-type'] === undefined ? {} : await readJson(req, deps.maxBodyBytes));
        if (!body.success) throw new PushyError('BAD_REQUEST', `Invalid body: ${describeIssue(body.error)}`);
        const rotated = await apps.store.rotate(id, body.data);
        sendJson(res, 200, { app: describe(rotated.app, countConnections()), key: rotated.key, secret: rotated.secret, previousExpireAt: rotated.previousExpireAt });
      },
    },
    {
      methods: ['DELETE'],
      path: new RegExp(`^/pushy/admin/api/apps/${APP_PATH}/?$`),
      async handle({ res, params }) {
        answer(res, 200, await apps.store.remove(storeId(params.id)));
      },
    },
  ];
}
