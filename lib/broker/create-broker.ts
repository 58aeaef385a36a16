import { MemoryNodeRegistry, type NodeRegistry } from '../nodes/node-registry.js';
import { RedisNodeRegistry } from '../nodes/redis-node-registry.js';
import type { AdapterConfig } from '../config.js';
import { MemoryPresenceStore, type PresenceStore } from '../presence/presence-store.js';
import { RedisPresenceStore } from '../presence/redis-presence-store.js';
import type { Logger } from '../logger.js';
import { RedisConnection } from '../redis/redis-connection.js';
import type { Broker } from './broker.js';
import { MemoryBroker } from './memory-broker.js';
import { RedisBroker } from './redis-broker.js';

/** The parts a node shares with the others: hand `broker`, `presence` and `nodes` to createServer. */
export interface BrokerAdapter {
  broker: Broker;
  presence: PresenceStore;
  /** Where nodes publish their views for the admin API's node list. */
  nodes: NodeRegistry;
  /** The Redis clients, for other Redis-backed features (absent with the memory adapter). */
  redis?: RedisConnection;
  /** Releases what the adapter holds (the Redis clients); call after the server closed. */
  close(): Promise<void>;
}

/** Longest wait for Redis at start before the node starts anyway and keeps reconnecting. */
const STARTUP_WAIT_MS = 5000;

/**
 * Builds the broker and presence store named by `adapter.type`. With Redis, waits (briefly)
 * for the first connection: a node whose Redis is not up yet still starts, answers 503 to
 * triggers, and joins the cluster once Redis is reachable.
 */
export async function createBrokerAdapter(adapter: AdapterConfig, logger: Logger): Promise<BrokerAdapter> {
  if (adapter.type === 'memory') {
    return { broker: new MemoryBroker(), presence: new MemoryPresenceStore(), nodes: new MemoryNodeRegistry(), close: async () => {} };
  }
  const redis = new RedisConnection({
    url: adapter.url,
    keyPrefix: adapter.keyPrefix,
    commandTimeout: adapter.commandTimeout,
    maxReconnectDelay: adapter.maxReconnectDelay,
    logger,
  });
  const broker = new RedisBroker({ connection: redis, logger });
  const presence = new RedisPresenceStore({
    connection: redis,
    nodeId: broker.nodeId,
    logger,
    heartbeatInterval: adapter.heartbeatInterval,
    nodeTimeout: adapter.nodeTimeout,
  });
  presence.start();
  const nodes = new RedisNodeRegistry({
    connection: redis,
    nodeId: broker.nodeId,
    logger,
    heartbeatInterval: adapter.heartbeatInterval,
    nodeTimeout: adapter.nodeTimeout,
  });
  logger.info('redis adapter', { nodeId: broker.nodeId, redis: redis.address, keyPrefix: adapter.keyPrefix });
  if (!(await redis.waitUntilReady(STARTUP_WAIT_MS))) {
    logger.warn('redis is not reachable yet: starting anyway and reconnecting in the background', { redis: redis.address });
  }
  return { broker, presence, nodes, redis, close: () => redis.close() };
}
