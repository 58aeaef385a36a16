import { PushyError } from '../errors.js';
import { freezeApp, DEFAULT_APP_ID, DEFAULT_APP_KEY, type App, type AppWebhook } from './app.js';
import type { KeyMatch } from './app-index.js';
import { secretsFor } from './app-keys.js';
import type { AppChange, AppStore } from './app-store.js';

/**
 * The native protocol's default app: the one the top-level `secretKey` signs for, used by every
 * client and trigger that names no app. Built from the secret as configured (or generated), with
 * none of the app schema's rules on it, so every secret that works today keeps working.
 */
export function createDefaultApp(secretKey: string, webhooks: readonly AppWebhook[] = []): App {
  return freezeApp({
    id: DEFAULT_APP_ID,
    name: 'Default app',
    enabled: true,
    // The native protocol's behaviour today: custom commands, no Pusher client events.
    enableClientEvents: false,
    enableUserAuthentication: false,
    limits: {},
    webhooks,
    keys: [{ key: DEFAULT_APP_KEY, secret: secretKey }],
  });
}

/**
 * The lookup API the server uses: the default app plus the apps of the store, by id and by key,
 * with rotation semantics. Every read is synchronous (the store serves them from its cache).
 */
export class AppDirectory {
  readonly defaultApp: App;

  readonly store: AppStore;

  /**
   * `secretKey`: the top-level option as in effect (configured, or generated for this run);
   * `defaultAppWebhooks`: the default app's webhooks (`webhooks.defaultApp`).
   */
  constructor(options: { store: AppStore; secretKey: string; defaultAppWebhooks?: readonly AppWebhook[] }) {
    this.store = options.store;
    this.defaultApp = createDefaultApp(options.secretKey, options.defaultAppWebhooks);
  }

  /** The default app first, then the store's. */
  list(): App[] {
    return [this.defaultApp, ...this.store.list()];
  }

  /** The app with this id (`default`: the default app). */
  get(id: string): App | undefined {
    return id === this.defaultApp.id ? this.defaultApp : this.store.get(id);
  }

  /** The app one of whose keys is `key`, whether that pair has expired or not. */
  getByKey(key: string): App | undefined {
    return key === DEFAULT_APP_KEY ? this.defaultApp : this.store.getByKey(key);
  }

  /** The app and secret for `key`; undefined when the key is unknown or its pair has expired at `now`. */
  findSecret(key: string, now: number = Date.now()): KeyMatch | undefined {
    if (key === DEFAULT_APP_KEY) return { app: this.defaultApp, key, secret: this.defaultApp.keys[0]!.secret };
    return this.store.findSecret(key, now);
  }

  /**
   * Like {@link findSecret}, for a request that must be refused otherwise: throws `APP_NOT_FOUND`
   * for an unknown key, `APP_KEY_EXPIRED` for an expired pair and `APP_DISABLED` for a disabled app.
   */
  requireKey(key: string, now: number = Date.now()): KeyMatch {
    const match = this.findSecret(key, now);
    if (!match) {
      if (this.getByKey(key)) throw new PushyError('APP_KEY_EXPIRED', `App key "${key}" has expired`);
      throw new PushyError('APP_NOT_FOUND', `No app has the key "${key}"`);
    }
    if (!match.app.enabled) throw new PushyError('APP_DISABLED', `App "${match.app.id}" is disabled`);
    return match;
  }

  /** The enabled app with this id; throws `APP_NOT_FOUND` or `APP_DISABLED`. */
  requireApp(id: string): App {
    const app = this.get(id);
    if (!app) throw new PushyError('APP_NOT_FOUND', `App "${id}" not found`);
    if (!app.enabled) throw new PushyError('APP_DISABLED', `App "${id}" is disabled`);
    return app;
  }

  /** The secrets that sign for `app` at `now`, newest first (see `secretsFor` in app-keys.ts). */
  secretsFor(app: App, now: number = Date.now()): string[] {
    return secretsFor(app, now);
  }

  /** Changes of the store's apps (the default app never changes while the process runs). */
  onChange(listener: (change: AppChange) => void): () => void {
    return this.store.onChange(listener);
  }
}
