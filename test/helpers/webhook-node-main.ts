/**
 * A webhook node in a process of its own, for tests that SIGKILL it: connects to Redis, builds
 * the webhooks of the apps it is given on the shared queue, emits the events it is given, says
 * "emitted" on stdout and keeps delivering until it is killed. Argument: a JSON {@link WebhookNodeSpec}.
 */
import { AppDirectory } from '../../lib/apps/app-directory.js';
import { appInputSchema, type AppInput } from '../../lib/apps/app.js';
import { ConfigAppStore } from '../../lib/apps/config-app-store.js';
import { loadConfig, type PushyConfig } from '../../lib/config.js';
import { createLogger } from '../../lib/logger.js';
import { RedisConnection } from '../../lib/redis/redis-connection.js';
import { createWebhooks } from '../../lib/webhooks/create-webhooks.js';
import type { WebhookEvent } from '../../lib/webhooks/webhook-event.js';

/** What the node is told to do. */
export interface WebhookNodeSpec {
  redisUrl: string;
  keyPrefix: string;
  nodeId: string;
  claimAfter: number;
  apps: AppInput[];
  webhooks: Partial<PushyConfig['webhooks']>;
  events: Array<{ appId: string; event: WebhookEvent }>;
}

const spec = JSON.parse(process.argv[2]!) as WebhookNodeSpec;
const logger = createLogger('debug');
const connection = new RedisConnection({ url: spec.redisUrl, keyPrefix: spec.keyPrefix, commandTimeout: 1000, maxReconnectDelay: 200, logger });
if (!(await connection.waitUntilReady(5000))) throw new Error('redis not reachable');
const apps = new AppDirectory({ store: new ConfigAppStore(spec.apps.map((input) => appInputSchema.parse(input))), secretKey: 'default-secret' });
const webhooks = createWebhooks({
  config: loadConfig({ env: {}, overrides: { webhooks: spec.webhooks } }).webhooks,
  apps,
  logger,
  redis: { connection, nodeId: spec.nodeId, claimAfter: spec.claimAfter },
  delivery: { pollInterval: 50 },
});
for (const { appId, event } of spec.events) webhooks.emit(appId, event);
process.stdout.write('emitted\n');
