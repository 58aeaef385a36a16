import { Client, Pool, type PoolClient } from 'pg';
import { generateSecretKey } from '../../util/secret.js';
import { PushyError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { AppIndex, type KeyMatch } from '../app-index.js';
import { rotateKeys, rotateOptionsSchema } from '../app-keys.js';
import type { AppChange, AppStore, CreatedApp, RotatedKey, RotateOptions } from '../app-store.js';
import { appCreateSchema, appIdSchema, appUpdateSchema, describeIssue, toApp, type App, type AppCreateInput, type AppUpdate } from '../app.js';
import { generateAppId, generateAppKey } from '../generate.js';
import { PgListener } from './listener.js';
import { APPS_NOTIFY_CHANNEL, migrate, rollback } from './migrations.js';
import { insertApp, readApps, replaceKeys, updateSettings, type Queryable } from './rows.js';
import { describeAddress, toStoreError } from './store-errors.js';

/** What a {@link PostgresAppStore} needs. */
export interface PostgresAppStoreOptions {
  /** `postgres://user:password@host:5432/database`; never logged (only host, port and database are). */
  url: string;
  logger: Logger;
  /** Apps created at start when no app with their id exists yet (from the config file and environment). */
  seed?: readonly App[];
  /** Default seconds the old pairs keep working after a rotation. */
  rotationGrace: number;
  /** `application_name` of the store's connections, as `pg_stat_activity` shows them. */
  applicationName?: string;
  /** Milliseconds to wait for a new connection. */
  connectTimeout?: number;
  /** First and longest wait between reconnection attempts of the change listener, in ms. */
  minReconnectDelay?: number;
  maxReconnectDelay?: number;
}

/**
 * Apps in PostgreSQL, for live management: any number of nodes (and the CLI) share one database.
 * The schema is created and migrated at start. Reads come from a cache that LISTEN/NOTIFY keeps
 * current: the tables' triggers announce every change (the store's own, another node's, or one
 * made with psql), and the store re-reads that app. When the database goes away the cache keeps
 * serving; when it is back the store LISTENs again and re-reads everything it may have missed.
 *
 * Every read-back and every announced change goes through one queue, so the cache applies the
 * database's states in order and a stale read never overwrites a newer one.
 */
export class PostgresAppStore implements AppStore {
  readonly type = 'postgres';
  readonly writable = true;
  private readonly index = new AppIndex();
  private readonly listeners = new Set<(change: AppChange) => void>();
  private readonly pool: Pool;
  private readonly listener: PgListener;
  private readonly address: string;
  private readonly logger: Logger;
  private queue: Promise<unknown> = Promise.resolve();
  /** Announced app ids (or `*`) whose read is queued and not started yet. */
  private readonly pending = new Set<string>();
  private resyncTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: PostgresAppStoreOptions) {
    this.logger = options.logger;
    this.address = describeAddress(options.url);
    const connection = {
      connectionString: options.url,
      application_name: options.applicationName ?? 'pushy-apps',
      connectionTimeoutMillis: options.connectTimeout ?? 5000,
      // Bounds on every statement, so a stuck database fails a request instead of hanging it.
      statement_timeout: 10_000,
      query_timeout: 15_000,
      keepAlive: true,
    };
    this.pool = new Pool({ ...connection, max: 4, idleTimeoutMillis: 30_000 });
    // An idle pooled connection the server drops emits here; the pool replaces it on next use.
    this.pool.on('error', (error) => this.logger.debug('app store: idle PostgreSQL connection closed', { address: this.address, error: error.message }));
    this.listener = new PgListener({
      createClient: () => new Client(connection),
      channel: APPS_NOTIFY_CHANNEL,
      onNotification: (payload) => this.announced(payload),
      onReconnected: () => this.resync(),
      address: this.address,
      logger: this.logger,
      minDelay: options.minReconnectDelay ?? 100,
      maxDelay: options.maxReconnectDelay ?? 1000,
    });
  }

  get isUp(): boolean {
    return this.listener.connected;
  }

  /**
   * Migrates the schema, seeds the configured apps, LISTENs, then loads every app (in that
   * order: a change made between the load and the LISTEN would otherwise be missed).
   */
  async start(): Promise<void> {
    try {
      const versions = await this.withClient(migrate);
      if (versions.length > 0) this.logger.info('app store: migrated the apps schema', { address: this.address, versions });
      await this.inTransaction((client) => this.seed(client));
      try {
        await this.listener.start();
      } catch (error) {
        throw toStoreError(error, this.address, true);
      }
      await this.serial(() => this.reloadAll());
    } catch (error) {
      await this.close();
      throw toStoreError(error, this.address);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.resyncTimer);
    await this.listener.close();
    // A read already under way finishes on the pool before the pool ends (it may be mid-query).
    await this.queue;
    await this.pool.end();
  }

  list(): App[] {
    return this.index.list();
  }

  get(id: string): App | undefined {
    return this.index.get(id);
  }

  getByKey(key: string): App | undefined {
    return this.index.byKey(key);
  }

  findSecret(key: string, now: number = Date.now()): KeyMatch | undefined {
    return this.index.findSecret(key, now);
  }

  async create(input: AppCreateInput): Promise<CreatedApp> {
    const parsed = appCreateSchema.safeParse(input);
    if (!parsed.success) throw new PushyError('INVALID_APP', `Invalid app: ${describeIssue(parsed.error)}`);
    const { key: givenKey, secret: givenSecret, id: givenId, ...settings } = parsed.data;
    const key = givenKey ?? generateAppKey();
    const secret = givenSecret ?? generateSecretKey();
    this.refuseTakenKey(key);
    // A generated id can collide (1 in 10^12 per app): try another then; a given one is refused.
    for (let attempt = 1; ; attempt += 1) {
      const app = toApp({ ...settings, id: givenId ?? generateAppId(), key, secret });
      try {
        await this.inTransaction(async (client) => {
          await insertApp(client, app);
        });
      } catch (error) {
        if (givenId === undefined && attempt < 3 && error instanceof PushyError && error.errorName === 'APP_ID_TAKEN') continue;
        throw this.explain(error, app.id, key);
      }
      this.logger.info('app store: app created', { app: app.id });
      return { app: await this.readBack(app), key, secret };
    }
  }

  async update(id: string, patch: AppUpdate): Promise<App> {
    const parsed = appUpdateSchema.safeParse(patch);
    if (!parsed.success) throw new PushyError('INVALID_APP', `Invalid app update: ${describeIssue(parsed.error)}`);
    const next = await this.inTransaction(async (client) => {
      const { keys, ...settings } = await this.lockApp(client, id);
      const app = toApp({ ...settings, ...parsed.data, id, keys });
      await updateSettings(client, app);
      return app;
    });
    this.logger.info('app store: app updated', { app: id, changed: Object.keys(parsed.data) });
    return this.readBack(next);
  }

  async rotate(id: string, options: RotateOptions = {}): Promise<RotatedKey> {
    const parsed = rotateOptionsSchema.safeParse(options);
    if (!parsed.success) throw new PushyError('INVALID_APP', `Invalid rotation: ${describeIssue(parsed.error)}`);
    const now = parsed.data.now ?? Date.now();
    const grace = parsed.data.graceSeconds ?? this.options.rotationGrace;
    const fresh = { key: parsed.data.key ?? generateAppKey(), secret: parsed.data.secret ?? generateSecretKey() };
    this.refuseTakenKey(fresh.key);
    let next: App;
    let previousExpireAt: string | undefined;
    try {
      next = await this.inTransaction(async (client) => {
        const current = await this.lockApp(client, id);
        const rotation = rotateKeys(id, current.keys, fresh, now, grace);
        previousExpireAt = rotation.previousExpireAt;
        await replaceKeys(client, id, current.keys, rotation.keys);
        return { ...current, keys: rotation.keys };
      });
    } catch (error) {
      throw this.explain(error, id, fresh.key);
    }
    this.logger.info('app store: key rotated', { app: id, key: fresh.key, previousExpireAt });
    const app = await this.readBack(next);
    return previousExpireAt === undefined ? { app, ...fresh } : { app, ...fresh, previousExpireAt };
  }

  async remove(id: string): Promise<App> {
    const removed = await this.inTransaction(async (client) => {
      const current = await this.lockApp(client, id);
      await client.query('DELETE FROM pushy_apps WHERE id = $1', [id]);
      return current;
    });
    this.logger.info('app store: app removed', { app: id });
    await this.readBack(removed, true);
    return removed;
  }

  onChange(listener: (change: AppChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Seeds the configured apps that the database does not have yet (by id). */
  private async seed(client: Queryable): Promise<void> {
    for (const app of this.options.seed ?? []) {
      try {
        if (await insertApp(client, app, true)) this.logger.info('app store: app created from the configuration', { app: app.id });
      } catch (error) {
        const explained = this.explain(error, app.id, '');
        if (explained instanceof PushyError) throw new PushyError(explained.errorName, `Configured app "${app.id}": ${explained.message}`);
        throw explained;
      }
    }
  }

  /** The stored app, locked for the rest of the transaction; `APP_NOT_FOUND` without one. */
  private async lockApp(client: Queryable, id: string): Promise<App> {
    const [app] = await readApps(client, this.logger, id, true);
    if (!app) throw notFound(id);
    return app;
  }

  /** Refuses early, with the owner's id, a key this node already knows to be taken. */
  private refuseTakenKey(key: string): void {
    const owner = this.index.keyOwner(key);
    if (owner !== undefined) throw new PushyError('APP_KEY_TAKEN', `Key "${key}" is already used by app "${owner}"`);
  }

  /** Catalogue error for a failed write, with the id or key it was about. */
  private explain(error: unknown, id: string, key: string): unknown {
    const mapped = toStoreError(error, this.address);
    if (!(mapped instanceof PushyError)) return mapped;
    if (mapped.errorName === 'APP_ID_TAKEN') return new PushyError('APP_ID_TAKEN', `App id "${id}" is already taken`);
    if (mapped.errorName === 'APP_KEY_TAKEN') return new PushyError('APP_KEY_TAKEN', `Key${key ? ` "${key}"` : ''} is already used by another app`);
    return mapped;
  }

  /** Runs `work` in a transaction on one pooled connection; errors come out as catalogue errors. */
  private inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await rollback(client);
        throw error;
      }
    });
  }

  /** Runs `work` on one pooled connection; errors come out as catalogue errors. */
  private async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toStoreError(error, this.address, true);
    }
    let broken = false;
    // A checked-out client has no error listener of the pool's: when its backend is ended
    // between two queries it emits 'error', which would otherwise end the process. The query
    // in progress or the next one fails on its own and says so.
    const onError = (error: Error): void => {
      broken = true;
      this.logger.debug('app store: PostgreSQL connection failed during a request', { address: this.address, error: error.message });
    };
    client.on('error', onError);
    try {
      return await work(client);
    } catch (error) {
      const mapped = toStoreError(error, this.address);
      // A connection that failed for a reason other than a refusal is not handed out again.
      broken ||= !(mapped instanceof PushyError) || mapped.errorName === 'UNAVAILABLE';
      throw mapped;
    } finally {
      // A broken client keeps the listener: it may still emit while the pool closes it.
      if (!broken) client.removeListener('error', onError);
      client.release(broken);
    }
  }

  /**
   * After a committed write: reads the app back through the queue, so this store's cache shows
   * the write when the call returns. If the database went away in between, the write stands;
   * the cache catches up at the next resync and `expected` is returned meanwhile.
   */
  private async readBack(expected: App, removed = false): Promise<App> {
    try {
      const app = await this.serial(() => this.refresh(expected.id));
      return removed ? expected : (app ?? expected);
    } catch (error) {
      this.logger.warn('app store: could not read back a change; retrying', { app: expected.id, error: errorMessage(error) });
      this.scheduleResync();
      return expected;
    }
  }

  /** Runs `task` after every task queued before it: the cache applies database states in order. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * A trigger announced a change: re-read that app (or, for `*`, everything). An app already
   * waiting in the queue is not queued again, so a burst of changes costs one read per app and
   * the queue stays as long as the number of apps at most.
   */
  private announced(payload: string): void {
    // Anyone who may write the database may NOTIFY too: only an app id or `*` means something.
    if (payload !== '*' && !appIdSchema.safeParse(payload).success) {
      this.logger.debug('app store: ignored a notification that names no app', { length: payload.length });
      return;
    }
    if (this.pending.has(payload)) return;
    this.pending.add(payload);
    const task = payload === '*' ? () => this.reloadAll() : () => this.refresh(payload);
    void this.serial(async () => {
      // From here on a new announcement queues another read: this one may miss that change.
      this.pending.delete(payload);
      // Announcements still queued when the store closes have no cache left to update.
      if (this.closed) return;
      try {
        await task();
      } catch (error) {
        if (this.closed) return;
        // The change is in the database but not in the cache: read everything again soon.
        this.logger.warn('app store: could not read a changed app; retrying', { app: payload, error: errorMessage(error) });
        this.scheduleResync();
      }
    });
  }

  /** After the LISTEN connection came back: notifications may have been lost, reload all. */
  private resync(): void {
    void this.serial(async () => {
      if (this.closed) return;
      try {
        await this.reloadAll();
      } catch (error) {
        this.logger.warn('app store: could not reload the apps; retrying', { error: errorMessage(error) });
        this.scheduleResync();
      }
    });
  }

  private scheduleResync(): void {
    if (this.closed || this.resyncTimer) return;
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = undefined;
      this.resync();
    }, this.options.maxReconnectDelay ?? 1000);
  }

  /** Re-reads one app into the cache and announces what changed; returns it (undefined: gone). */
  private async refresh(id: string): Promise<App | undefined> {
    const [app] = await readApps(this.pool, this.logger, id);
    if (!app) {
      const previous = this.index.delete(id);
      if (previous) this.emit({ type: 'removed', app: previous });
      return undefined;
    }
    return this.apply(app);
  }

  /** Re-reads every app: the cache becomes the database's state, with an event per difference. */
  private async reloadAll(): Promise<void> {
    const apps = await readApps(this.pool, this.logger);
    const present = new Set(apps.map((app) => app.id));
    for (const cached of this.index.list()) {
      if (!present.has(cached.id)) {
        this.index.delete(cached.id);
        this.emit({ type: 'removed', app: cached });
      }
    }
    for (const app of apps) this.apply(app);
  }

  private apply(app: App): App {
    const previous = this.index.get(app.id);
    if (previous && JSON.stringify(previous) === JSON.stringify(app)) return previous;
    this.index.put(app);
    const stored = this.index.get(app.id)!;
    this.emit(previous ? { type: 'updated', app: stored, previous } : { type: 'created', app: stored });
    return stored;
  }

  private emit(change: AppChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.logger.error('app store: a change listener threw', { app: change.app.id, type: change.type, error });
      }
    }
  }
}

function notFound(id: string): PushyError {
  return new PushyError('APP_NOT_FOUND', `App "${id}" not found`);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
