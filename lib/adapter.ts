import { randomUUID } from 'node:crypto';
import type { Broker } from './broker/broker.js';
import { MemoryBroker } from './broker/memory-broker.js';
import { RedisBroker } from './broker/redis-broker.js';
import { withFeed } from './broker/feed-broker.js';
import type { PushyConfig } from './config.js';
import type { HistoryStore } from './history/history-store.js';
import { MemoryIdempotencyStore, type IdempotencyStore } from './history/idempotency-store.js';
import { MemoryHistoryStore } from './history/memory-history-store.js';
import { RedisHistoryStore } from './history/redis-history-store.js';
import { RedisIdempotencyStore } from './history/redis-idempotency-store.js';
import type { Logger } from './logger.js';
import { RedisNodeLiveness } from './nodes/node-liveness.js';
import { MemoryNodeRegistry, type NodeRegistry } from './nodes/node-registry.js';
import { MemoryOccupancyStore, type OccupancyStore } from './occupancy/occupancy-store.js';
import { MemorySubscriberCountStore, type SubscriberCountStore } from './counts/subscriber-count-store.js';
import { RedisSubscriberCountStore } from './counts/redis-count-store.js';
import { RedisOccupancyStore } from './occupancy/redis-occupancy-store.js';
import { RedisNodeRegistry } from './nodes/redis-node-registry.js';
import { MemoryPresenceStore, type PresenceStore } from './presence/presence-store.js';
import { RedisPresenceStore } from './presence/redis-presence-store.js';
import { RedisConnection } from './redis/redis-connection.js';
import { createClusterAdapter, createShardedAdapter } from './sharded-adapter.js';
import { RedisReplayStore } from './signing/redis-replay-store.js';
import type { ExclusiveChannelStore } from './channel-rules/exclusive-channel-store.js';
import { MemoryExclusiveChannelStore } from './channel-rules/memory-exclusive-channel-store.js';
import { RedisExclusiveChannelStore } from './channel-rules/redis-exclusive-channel-store.js';
import { MemoryReplayStore, type SignatureReplayStore } from './signing/replay-store.js';

/**
 * Every store and the broker of one node, memory or Redis as `adapter.type` says: hand them to
 * `createServer`, which closes each; then close the adapter.
 */
export interface Adapter {
  broker: Broker;
  presence: PresenceStore;
  /** Where nodes publish their views for the admin API's node list. */
  nodes: NodeRegistry;
  /** Channel offsets and recent events. */
  history: HistoryStore;
  /** Recent trigger idempotency keys. */
  idempotency: IdempotencyStore;
  /** v3 signatures already used (refused when sent again), cluster-wide on Redis. */
  replays: SignatureReplayStore;
  /** Which channels have subscribers anywhere, and pending webhook removals (cluster-wide on Redis). */
  occupancy: OccupancyStore;
  /** Places on exclusive channels (`channels` rules), cluster-wide on Redis. */
  exclusive: ExclusiveChannelStore;
  /** Every node's subscribers per channel (`pusher_internal:subscription_count`), cluster-wide on Redis. */
  counts: SubscriberCountStore;
  /** The Redis clients every Redis part shares (absent in memory), for tools and tests that look inside. */
  redis?: RedisConnection;
  /** Releases what the adapter itself holds (the heartbeat, the Redis clients); call after the server closed. */
  close(): Promise<void>;
}

/** Longest wait for Redis at start before the node starts anyway and keeps reconnecting. */
const STARTUP_WAIT_MS = 5000;

/**
 * The composition root of the shared state: builds the broker and every store from the config,
 * in memory (one process) or on Redis (many nodes: one pair of Redis clients and one heartbeat
 * per node, shared by all). With Redis, waits (briefly) for the first connection: a node whose
 * Redis is not up yet still starts, answers 503 to triggers, and joins the cluster once Redis is
 * reachable.
 */
export async function createAdapter(config: PushyConfig, logger: Logger): Promise<Adapter> {
  const { adapter } = config;
  if (adapter.type === 'memory') {
    const broker = new MemoryBroker();
    return {
      broker,
      exclusive: new MemoryExclusiveChannelStore(broker.nodeId),
      presence: new MemoryPresenceStore(),
      nodes: new MemoryNodeRegistry(),
      history: memoryHistory(config),
      idempotency: memoryIdempotency(config),
      replays: memoryReplays(config),
      occupancy: new MemoryOccupancyStore(),
      counts: new MemorySubscriberCountStore(),
      close: async () => {},
    };
  }
  if (adapter.redis.shards.length > 0) return createShardedAdapter(config, logger, STARTUP_WAIT_MS);
  if (adapter.redis.cluster.length > 0) return createClusterAdapter(config, logger, STARTUP_WAIT_MS);
  const redis = new RedisConnection({
    url: adapter.url,
    keyPrefix: adapter.keyPrefix,
    commandTimeout: adapter.commandTimeout,
    maxReconnectDelay: adapter.maxReconnectDelay,
    sentinels: adapter.redis.sentinels,
    sentinelName: adapter.redis.name,
    logger,
  });
  const nodeId = randomUUID();
  const timing = { heartbeatInterval: adapter.heartbeatInterval, nodeTimeout: adapter.nodeTimeout };
  const liveness = new RedisNodeLiveness({ connection: redis, nodeId, logger, ...timing });
  const shared = { connection: redis, nodeId, logger, liveness, ...timing };
  const presence = new RedisPresenceStore(shared);
  const occupancy = new RedisOccupancyStore(shared);
  const counts = new RedisSubscriberCountStore(shared);
  const exclusive = new RedisExclusiveChannelStore({ connection: redis, nodeId });
  // The places of a node found dead go back, as its presence members do.
  liveness.onBeat(async (beat) => {
    for (const dead of beat.dead) await exclusive.releaseNode(dead);
  });
  // The events feed (feed.enabled) rides on the broker: every event this node publishes.
  const feedOrNot = (broker: Broker): Broker => (config.feed.enabled ? withFeed(broker, { connection: redis, channel: config.feed.channel, logger }) : broker);
  const parts: Adapter = {
    broker: feedOrNot(new RedisBroker({ connection: redis, logger, nodeId })),
    presence,
    nodes: new RedisNodeRegistry(shared),
    history: new RedisHistoryStore({ connection: redis, logger, metaTtl: config.history.metaTtl }),
    idempotency: new RedisIdempotencyStore({ connection: redis }),
    replays: new RedisReplayStore({ connection: redis }),
    occupancy,
    exclusive,
    counts,
    redis,
    close: async () => {
      await liveness.close();
      await redis.close();
    },
  };
  presence.start();
  occupancy.start();
  counts.start();
  liveness.start();
  logger.info('redis adapter', { nodeId, redis: redis.address, keyPrefix: adapter.keyPrefix });
  if (!(await redis.waitUntilReady(STARTUP_WAIT_MS))) {
    logger.warn('redis is not reachable yet: starting anyway and reconnecting in the background', { redis: redis.address });
  } else {
    // The first heartbeat (with the presence resync it triggers) is done before the node takes
    // traffic: a join racing that resync would be announced by it, not as the join's own.
    await liveness.beat();
  }
  return parts;
}

/** The in-memory history store, bounded by the `history` options. */
export function memoryHistory(config: PushyConfig): HistoryStore {
  return new MemoryHistoryStore({ maxMemoryBytes: config.history.maxMemoryBytes, metaTtl: config.history.metaTtl });
}

/** The in-memory idempotency store, bounded by `limits.maxIdempotencyKeys`. */
export function memoryIdempotency(config: PushyConfig): IdempotencyStore {
  return new MemoryIdempotencyStore({ maxKeys: config.limits.maxIdempotencyKeys });
}

/** The in-memory store of used v3 signatures, bounded by `signing.maxReplayKeys`. */
export function memoryReplays(config: PushyConfig): SignatureReplayStore {
  return new MemoryReplayStore({ maxKeys: config.signing.maxReplayKeys });
}
