import type { DispatcherApps } from './webhook-dispatcher.js';
import type { PushyConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { OccupancyStore } from '../occupancy/occupancy-store.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import { createWebhooks } from './create-webhooks.js';
import { WebhookSources } from './webhook-sources.js';
import type { Webhooks } from './webhooks.js';

/** What {@link createServerWebhooks} needs. */
export interface ServerWebhooksOptions {
  config: PushyConfig;
  apps: DispatcherApps;
  logger: Logger;
  /** Shared with every node on Redis; closed by its owner (the adapter), after these. */
  occupancy: OccupancyStore;
  /** With the Redis adapter: its connection and this node's id, for the shared queue. */
  redis?: { connection: RedisConnection; nodeId: string };
}

/** A node's webhooks and their sources, closed together. */
export interface ServerWebhooks {
  /** Where front ends send `client_event` and `cache_miss`, and embedders anything. */
  readonly webhooks: Webhooks;
  /** The channel core's hooks: occupancy and membership, decided cluster-wide. */
  readonly sources: WebhookSources;
  /**
   * Settles the removals waiting here, delivers or re-queues what is queued; before the
   * stores and Redis close.
   */
  close(): Promise<void>;
}

/**
 * The webhooks of a server, as its adapter calls for: on the shared Redis queue when there is
 * one (each event is delivered by one node; a dead node's by another, after `adapter.nodeTimeout`),
 * else in memory; fed by the cluster-wide sources over the occupancy store.
 */
export function createServerWebhooks(options: ServerWebhooksOptions): ServerWebhooks {
  const { config, apps, logger, occupancy, redis } = options;
  const webhooks = createWebhooks({
    config: config.webhooks,
    apps,
    logger,
    redis: redis && { ...redis, claimAfter: config.adapter.nodeTimeout },
  });
  const sources = new WebhookSources({ occupancy, webhooks, logger, delayMs: config.webhooks.removalDelay, maxPending: config.webhooks.maxQueued });
  return {
    webhooks,
    sources,
    close: async () => {
      await sources.close();
      await webhooks.close();
    },
  };
}
