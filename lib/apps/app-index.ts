import { expiryOf } from './app-keys.js';
import { freezeApp, type App, type AppKey } from './app.js';

/** An app found by one of its keys, with the pair that key belongs to. */
export interface KeyMatch {
  readonly app: App;
  readonly key: string;
  readonly secret: string;
  /** ISO 8601 expiry of the pair, when it has one. */
  readonly expiresAt?: string;
}

interface KeyEntry {
  readonly app: App;
  readonly pair: AppKey;
  /** Parsed once: lookups compare numbers. */
  readonly expiry: number;
}

/**
 * The in-memory view every app store serves reads from: apps by id and by key, both O(1).
 * Apps are frozen on the way in, so readers share them safely.
 */
export class AppIndex {
  private readonly apps = new Map<string, App>();
  private readonly keys = new Map<string, KeyEntry>();

  /** Every app, in the order they were first added. */
  list(): App[] {
    return [...this.apps.values()];
  }

  get size(): number {
    return this.apps.size;
  }

  get(id: string): App | undefined {
    return this.apps.get(id);
  }

  /** The app one of whose keys is `key` (expired or not). */
  byKey(key: string): App | undefined {
    return this.keys.get(key)?.app;
  }

  /** The app and pair for `key`, unless the key is unknown or its pair has expired at `now`. */
  findSecret(key: string, now: number): KeyMatch | undefined {
    const entry = this.keys.get(key);
    if (!entry || !(now < entry.expiry)) return undefined;
    const { app, pair } = entry;
    return pair.expiresAt === undefined ? { app, key, secret: pair.secret } : { app, key, secret: pair.secret, expiresAt: pair.expiresAt };
  }

  /** The id of the app holding `key`, other than `exceptId`; for uniqueness checks. */
  keyOwner(key: string, exceptId?: string): string | undefined {
    const owner = this.keys.get(key)?.app.id;
    return owner === exceptId ? undefined : owner;
  }

  /**
   * Adds or replaces an app and returns the one it replaced. A key another app still holds here
   * moves to this one: the caller's data is the newer truth (a store applies the database's
   * changes one app at a time, so for a moment the other app's entry may be stale).
   */
  put(app: App): App | undefined {
    const frozen = freezeApp(app);
    const previous = this.apps.get(app.id);
    if (previous) this.dropKeys(previous);
    this.apps.set(app.id, frozen);
    for (const pair of frozen.keys) this.keys.set(pair.key, { app: frozen, pair, expiry: expiryOf(pair) });
    return previous;
  }

  /** Removes an app and returns it, or undefined when there was none. */
  delete(id: string): App | undefined {
    const previous = this.apps.get(id);
    if (!previous) return undefined;
    this.apps.delete(id);
    this.dropKeys(previous);
    return previous;
  }

  private dropKeys(app: App): void {
    // Only entries that still point at this app: a key may already have moved to another.
    for (const pair of app.keys) if (this.keys.get(pair.key)?.app === app) this.keys.delete(pair.key);
  }
}
