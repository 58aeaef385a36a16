import type { Logger } from '../logger.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import { MemoryWebhookQueue, MemoryWebhookStore } from './memory-webhook-queue.js';
import { RedisWebhookQueue } from './redis-webhook-queue.js';
import type { DispatcherApps } from './webhook-dispatcher.js';
import { DropReporter } from './drop-reporter.js';
import { WebhookStats } from './webhook-stats.js';
import { DELIVERY_DEFAULTS, Webhooks, type WebhooksConfig, type WebhooksDeps } from './webhooks.js';

/** What {@link createWebhooks} needs. */
export interface CreateWebhooksOptions {
  config: WebhooksConfig;
  /** The app directory (only `get` is used). */
  apps: DispatcherApps;
  logger: Logger;
  /**
   * With the Redis adapter: the shared connection, this node's id, and the time after which a
   * silent node's held events go to another node (the adapter's `nodeTimeout`). Without: the
   * queue is in memory, for one node.
   */
  redis?: { connection: RedisConnection; nodeId: string; claimAfter: number };
  /** Pacing of polling and retries, when not the defaults (tests). */
  delivery?: WebhooksDeps['delivery'];
}

/**
 * Builds a node's webhooks on the queue its adapter calls for: in memory for one node, in Redis
 * for a cluster (where each event is delivered by one node and a dead node's events are
 * delivered by another).
 */
export function createWebhooks(options: CreateWebhooksOptions): Webhooks {
  const { config, apps, logger, redis, delivery } = options;
  const drops = new DropReporter(new WebhookStats(), logger);
  if (redis === undefined) {
    // One consumer in one process: nobody to claim from, so the claim time never matters.
    const store = new MemoryWebhookStore({ maxWaiting: config.maxQueued, claimAfter: Number.MAX_SAFE_INTEGER, drops });
    return new Webhooks({ apps, logger, config, drops, queue: new MemoryWebhookQueue(store), delivery });
  }
  const queue = new RedisWebhookQueue({ connection: redis.connection, consumer: redis.nodeId, maxWaiting: config.maxQueued, claimAfter: redis.claimAfter, drops });
  // Touch well within the claim time, so a live node never loses what it holds.
  const touchInterval = Math.max(100, Math.min(DELIVERY_DEFAULTS.touchInterval, Math.floor(redis.claimAfter / 4)));
  return new Webhooks({ apps, logger, config, drops, queue, delivery: { touchInterval, ...delivery } });
}
