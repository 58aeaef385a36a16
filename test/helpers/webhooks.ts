import Pusher from 'pusher';
import { AppDirectory } from '../../lib/apps/app-directory.js';
import { appInputSchema, type App, type AppInput } from '../../lib/apps/app.js';
import { ConfigAppStore } from '../../lib/apps/config-app-store.js';
import { loadConfig, type PushyConfig } from '../../lib/config.js';
import type { Logger } from '../../lib/logger.js';
import { createWebhooks, type CreateWebhooksOptions } from '../../lib/webhooks/create-webhooks.js';
import type { DispatcherApps } from '../../lib/webhooks/webhook-dispatcher.js';
import type { Webhooks } from '../../lib/webhooks/webhooks.js';
import type { ReceivedWebhook } from './webhook-receiver.js';

/** Apps parsed through the app schema, in a directory as the server builds it. */
export function appDirectory(apps: AppInput[]): AppDirectory {
  return new AppDirectory({ store: new ConfigAppStore(apps.map((input) => appInputSchema.parse(input))), secretKey: 'default-secret' });
}

/** The `webhooks` options as `loadConfig` makes them from these overrides. */
export function webhooksConfig(overrides: Partial<PushyConfig['webhooks']> = {}): PushyConfig['webhooks'] {
  return loadConfig({ env: {}, overrides: { webhooks: overrides } }).webhooks;
}

/** Quick retries for tests: 20 ms doubling to 80 ms, no jitter. */
export const FAST_BACKOFF = { minDelay: 20, maxDelay: 80, factor: 2, jitter: 0 };

/** Webhooks on the in-memory queue, as a single node builds them, with test pacing. */
export function memoryWebhooks(apps: DispatcherApps, logger: Logger, overrides: Partial<PushyConfig['webhooks']> = {}, extra: Partial<CreateWebhooksOptions> = {}): Webhooks {
  return createWebhooks({ config: webhooksConfig(overrides), apps, logger, delivery: { backoff: FAST_BACKOFF, pollInterval: 50 }, ...extra });
}

/** True when the `pusher` Node SDK accepts the request as a webhook of the app with this key and secret. */
export function pusherAccepts(request: ReceivedWebhook, app: { id: string; key: string; secret: string }): boolean {
  // The cluster only tells the SDK where its HTTP API is; checking a webhook never calls it.
  const pusher = new Pusher({ appId: app.id, key: app.key, secret: app.secret, cluster: 'mt1' });
  return pusher.webhook({ headers: request.headers as Record<string, string>, rawBody: request.rawBody }).isValid();
}

/** The key and secret of an app with one pair. */
export function credentials(app: App): { id: string; key: string; secret: string } {
  return { id: app.id, key: app.keys[0]!.key, secret: app.keys[0]!.secret };
}
