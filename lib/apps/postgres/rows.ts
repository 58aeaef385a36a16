import type { ClientBase, Pool } from 'pg';
import type { Logger } from '../../logger.js';
import { appInputSchema, describeIssue, type App, type AppKey } from '../app.js';

/**
 * Between {@link App} and the rows of `pushy_apps` and `pushy_app_keys`. Rows are outside input
 * (anyone with database access can write them), so every app read back is parsed with the app
 * schema; one that does not parse is logged and left out rather than served half-valid.
 */

/** Something to run queries on: the pool, or one client inside a transaction. */
export type Queryable = Pick<ClientBase, 'query'> | Pool;

interface AppRow {
  id: string;
  name: string;
  enabled: boolean;
  settings: unknown;
}

interface KeyRow {
  app_id: string;
  key: string;
  secret: string;
  expires_at: Date | null;
}

/** The settings kept in the `settings` jsonb column (everything but id, name, enabled and keys). */
const SETTINGS_KEYS = ['enableClientEvents', 'enableUserAuthentication', 'enableSubscriptionCount', 'enableWatchlistEvents', 'maxConnections', 'limits', 'webhooks'] as const;

/**
 * Reads every app, or the one with `id`; `lock` takes a row lock for the rest of the caller's
 * transaction (read-modify-write without losing a concurrent change).
 */
export async function readApps(db: Queryable, logger: Logger, id?: string, lock = false): Promise<App[]> {
  const where = id === undefined ? '' : 'WHERE id = $1';
  const params = id === undefined ? [] : [id];
  const apps = await db.query<AppRow>(`SELECT id, name, enabled, settings FROM pushy_apps ${where} ORDER BY created_at, id ${lock ? 'FOR UPDATE' : ''}`, params);
  if (apps.rows.length === 0) return [];
  const keys = await db.query<KeyRow>(
    `SELECT app_id, key, secret, expires_at FROM pushy_app_keys ${id === undefined ? '' : 'WHERE app_id = $1'} ORDER BY seq`,
    params,
  );
  const keysByApp = new Map<string, AppKey[]>();
  for (const row of keys.rows) {
    const pair: AppKey = row.expires_at === null ? { key: row.key, secret: row.secret } : { key: row.key, secret: row.secret, expiresAt: row.expires_at.toISOString() };
    const list = keysByApp.get(row.app_id);
    if (list) list.push(pair);
    else keysByApp.set(row.app_id, [pair]);
  }
  const result: App[] = [];
  for (const row of apps.rows) {
    const app = parseRow(row, keysByApp.get(row.id) ?? [], logger);
    if (app) result.push(app);
  }
  return result;
}

function parseRow(row: AppRow, keys: AppKey[], logger: Logger): App | undefined {
  const settings: Record<string, unknown> = {};
  if (typeof row.settings === 'object' && row.settings !== null && !Array.isArray(row.settings)) {
    for (const name of SETTINGS_KEYS) {
      const value = (row.settings as Record<string, unknown>)[name];
      if (value !== undefined && value !== null) settings[name] = value;
    }
  }
  const parsed = appInputSchema.safeParse({ ...settings, id: row.id, name: row.name, enabled: row.enabled, keys });
  if (parsed.success) return parsed.data;
  // The issue text names a field and a rule, never a value: no secret reaches the log.
  logger.error('app store: an app in the database is invalid and is ignored until it is fixed', { app: row.id, problem: describeIssue(parsed.error) });
  return undefined;
}

/** The `settings` column of an app. */
export function settingsOf(app: App): Record<string, unknown> {
  const settings: Record<string, unknown> = {
    enableClientEvents: app.enableClientEvents,
    enableUserAuthentication: app.enableUserAuthentication,
    limits: app.limits,
    webhooks: app.webhooks,
  };
  if (app.maxConnections !== undefined) settings.maxConnections = app.maxConnections;
  if (app.enableSubscriptionCount) settings.enableSubscriptionCount = true;
  if (app.enableWatchlistEvents) settings.enableWatchlistEvents = true;
  return settings;
}

/**
 * Inserts an app and its keys. With `ifAbsent`, an existing id is left alone and false is
 * returned (seeding); otherwise a taken id or key fails with the database's unique violation.
 */
export async function insertApp(db: Queryable, app: App, ifAbsent = false): Promise<boolean> {
  const inserted = await db.query(
    `INSERT INTO pushy_apps (id, name, enabled, settings) VALUES ($1, $2, $3, $4) ${ifAbsent ? 'ON CONFLICT (id) DO NOTHING' : ''}`,
    [app.id, app.name, app.enabled, JSON.stringify(settingsOf(app))],
  );
  if (inserted.rowCount === 0) return false;
  for (const pair of app.keys) await insertKey(db, app.id, pair);
  return true;
}

/** Adds one key/secret pair to an app. */
export async function insertKey(db: Queryable, appId: string, pair: AppKey): Promise<void> {
  await db.query('INSERT INTO pushy_app_keys (key, app_id, secret, expires_at) VALUES ($1, $2, $3, $4)', [pair.key, appId, pair.secret, pair.expiresAt ?? null]);
}

/** Writes an app's name, switch and settings (not its keys). */
export async function updateSettings(db: Queryable, app: App): Promise<void> {
  await db.query('UPDATE pushy_apps SET name = $2, enabled = $3, settings = $4, updated_at = now() WHERE id = $1', [
    app.id,
    app.name,
    app.enabled,
    JSON.stringify(settingsOf(app)),
  ]);
}

/** Makes an app's stored keys exactly `keys` (dropping, re-dating and adding pairs). */
export async function replaceKeys(db: Queryable, appId: string, before: readonly AppKey[], keys: readonly AppKey[]): Promise<void> {
  const wanted = new Map(keys.map((pair) => [pair.key, pair]));
  const dropped = before.filter((pair) => !wanted.has(pair.key)).map((pair) => pair.key);
  if (dropped.length > 0) await db.query('DELETE FROM pushy_app_keys WHERE app_id = $1 AND key = ANY($2)', [appId, dropped]);
  const existing = new Map(before.map((pair) => [pair.key, pair]));
  for (const pair of keys) {
    const old = existing.get(pair.key);
    if (!old) await insertKey(db, appId, pair);
    else if (old.expiresAt !== pair.expiresAt) await db.query('UPDATE pushy_app_keys SET expires_at = $3 WHERE app_id = $1 AND key = $2', [appId, pair.key, pair.expiresAt ?? null]);
  }
  // Touch the app row too: its updated_at tells when its keys last changed.
  await db.query('UPDATE pushy_apps SET updated_at = now() WHERE id = $1', [appId]);
}
