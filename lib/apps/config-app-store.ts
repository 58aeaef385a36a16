import { PushyError } from '../errors.js';
import { AppIndex, type KeyMatch } from './app-index.js';
import type { AppChange, AppStore, CreatedApp, RotatedKey } from './app-store.js';
import type { App } from './app.js';

/**
 * The embedded default store: the apps of the config file (`apps.list`) and the environment
 * (`PUSHY_APP_*`), fixed for the life of the process. Every write throws `APPS_READ_ONLY`,
 * which tells the operator to edit the file instead.
 */
export class ConfigAppStore implements AppStore {
  readonly type = 'config';
  readonly writable = false;
  readonly isUp = true;
  private readonly index = new AppIndex();

  /** `apps` as parsed by the config loader; a repeated id or key throws (the loader already refuses both). */
  constructor(apps: readonly App[]) {
    for (const app of apps) {
      if (this.index.get(app.id)) throw new PushyError('APP_ID_TAKEN', `App id "${app.id}" appears twice`);
      for (const pair of app.keys) {
        const owner = this.index.keyOwner(pair.key);
        if (owner !== undefined) throw new PushyError('APP_KEY_TAKEN', `Key "${pair.key}" of app "${app.id}" is also a key of app "${owner}"`);
      }
      this.index.put(app);
    }
  }

  async start(): Promise<void> {}
  async close(): Promise<void> {}

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

  create(): Promise<CreatedApp> {
    return readOnly();
  }

  update(): Promise<App> {
    return readOnly();
  }

  rotate(): Promise<RotatedKey> {
    return readOnly();
  }

  remove(): Promise<App> {
    return readOnly();
  }

  /** The config store never changes: the listener is never called. */
  onChange(_listener: (change: AppChange) => void): () => void {
    return () => undefined;
  }
}

function readOnly(): Promise<never> {
  return Promise.reject(new PushyError('APPS_READ_ONLY'));
}
