import type { KeyMatch } from './app-index.js';
import type { App, AppCreateInput, AppUpdate } from './app.js';

/** A change to the apps of a store, from this process or (PostgreSQL) another one. */
export type AppChange =
  | { readonly type: 'created'; readonly app: App }
  | { readonly type: 'updated'; readonly app: App; readonly previous: App }
  | { readonly type: 'removed'; readonly app: App };

/** What creating an app returns: the app and its first pair, the only time the secret is shown. */
export interface CreatedApp {
  readonly app: App;
  readonly key: string;
  readonly secret: string;
}

/** What rotating an app's key returns: the new pair (shown this once) and the app after it. */
export interface RotatedKey {
  readonly app: App;
  readonly key: string;
  readonly secret: string;
  /** ISO 8601: when the pairs that were live before the rotation stop working (absent: grace 0 and none were). */
  readonly previousExpireAt?: string;
}

/** Options of {@link AppStore.rotate}. */
export interface RotateOptions {
  /** Seconds the old pairs keep working (default: the store's `rotationGrace`). 0: they stop now. */
  graceSeconds?: number;
  /** The new key and secret; generated when left out. */
  key?: string;
  secret?: string;
  /** The instant of the rotation, ms since the epoch (default `Date.now()`). */
  now?: number;
}

/** The kinds of store `apps.store.type` can name. */
export type AppStoreType = 'config' | 'postgres';

/**
 * Where apps live: the config file (read-only) or PostgreSQL (live). Reads are served from an
 * in-memory cache, synchronously, so that looking an app up costs nothing on a connection or a
 * trigger; a store keeps that cache current. Writes return once the change is stored and visible
 * through this store's reads; other processes on the same store see it within a second.
 */
export interface AppStore {
  readonly type: AppStoreType;
  /** False for the config store: every write throws `APPS_READ_ONLY`. */
  readonly writable: boolean;
  /** True while the store can read and write its backing service (always, for the config store). */
  readonly isUp: boolean;

  /** Connects, prepares the storage and fills the cache; reads work once it resolves. */
  start(): Promise<void>;
  /** Stops watching for changes and releases connections. */
  close(): Promise<void>;

  list(): App[];
  get(id: string): App | undefined;
  /** The app one of whose keys is `key`, whether that pair has expired or not. */
  getByKey(key: string): App | undefined;
  /** The app and secret for `key`, unless the key is unknown or its pair has expired at `now`. */
  findSecret(key: string, now?: number): KeyMatch | undefined;

  /** Creates an app; throws `INVALID_APP`, `APP_ID_TAKEN` or `APP_KEY_TAKEN`. */
  create(input: AppCreateInput): Promise<CreatedApp>;
  /** Changes an app's settings (not its keys); throws `INVALID_APP` or `APP_NOT_FOUND`. */
  update(id: string, patch: AppUpdate): Promise<App>;
  /** Adds a new key/secret pair; the old pairs expire after the grace period. */
  rotate(id: string, options?: RotateOptions): Promise<RotatedKey>;
  /** Deletes an app and returns it; throws `APP_NOT_FOUND`. */
  remove(id: string): Promise<App>;

  /** Calls `listener` after every change, including those made by other processes. Returns its remover. */
  onChange(listener: (change: AppChange) => void): () => void;
}

/** The `apps` options, parsed: where apps live and the configured ones. */
export type AppsConfig = {
  store: { type: AppStoreType; url: string };
  /** Every configured app, parsed and checked: ids and keys unique, none reserved. */
  list: App[];
  rotationGrace: number;
};
