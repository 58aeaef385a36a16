import type { Logger } from '../logger.js';
import type { AppStore, AppsConfig } from './app-store.js';
import { ConfigAppStore } from './config-app-store.js';
import { PostgresAppStore } from './postgres/postgres-app-store.js';

/**
 * The store `apps.store` names, started: its cache is filled and reads work. A PostgreSQL store
 * that cannot start (unreachable, refused, a schema from a newer Pushy) rejects with a catalogue
 * error that says where and why, and holds no connection.
 */
export async function openAppStore(config: AppsConfig, logger: Logger): Promise<AppStore> {
  const store: AppStore =
    config.store.type === 'postgres'
      ? new PostgresAppStore({ url: config.store.url, logger, seed: config.list, rotationGrace: config.rotationGrace })
      : new ConfigAppStore(config.list);
  await store.start();
  return store;
}
