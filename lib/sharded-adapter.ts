import { randomUUID } from 'node:crypto';
import type { Adapter } from './adapter.js';
import { RedisBroker } from './broker/redis-broker.js';
import type { PushyConfig } from './config.js';
import { RedisHistoryStore } from './history/redis-history-store.js';
import { RedisIdempotencyStore } from './history/redis-idempotency-store.js';
import type { Logger } from './logger.js';
import { RedisNodeLiveness } from './nodes/node-liveness.js';
import { RedisNodeRegistry } from './nodes/redis-node-registry.js';
import { RedisPresenceStore } from './presence/redis-presence-store.js';
import { RedisConnection } from './redis/redis-connection.js';
import { shardId } from './redis/redis-endpoints.js';
import { Sharded } from './shards/sharded.js';
import { ShardedBroker } from './shards/sharded-broker.js';
import { ShardedHistoryStore, ShardedIdempotencyStore } from './shards/sharded-history.js';
import { ShardedPresenceStore } from './shards/sharded-presence-store.js';
import { RedisReplayStore } from './signing/redis-replay-store.js';

/** Everything one node keeps on one shard: its clients, its heartbeat there, and the channel parts. */
interface ShardParts {
  connection: RedisConnection;
  liveness: RedisNodeLiveness;
  broker: RedisBroker;
  presence: RedisPresenceStore;
  history: RedisHistoryStore;
  idempotency: RedisIdempotencyStore;
}

/**
 * The Redis adapter over `adapter.redis.shards`: one pair of clients, one heartbeat and one
 * broker/presence/history/idempotency per shard, each channel routed to its shard by the hash
 * ring. Cluster-wide state (the node list, used signatures, the webhook queue through
 * `adapter.redis`) lives on the first shard. Each shard keeps its own node heartbeat, so that
 * a dead node's presence members are reaped on every shard that holds some.
 */
export async function createShardedAdapter(config: PushyConfig, logger: Logger, startupWaitMs: number): Promise<Adapter> {
  const { adapter } = config;
  const urls = adapter.redis.shards;
  const ids = urls.map(shardId);
  const nodeId = randomUUID();
  const timing = { heartbeatInterval: adapter.heartbeatInterval, nodeTimeout: adapter.nodeTimeout };
  const shards: ShardParts[] = urls.map((url) => {
    const connection = new RedisConnection({ url, keyPrefix: adapter.keyPrefix, commandTimeout: adapter.commandTimeout, maxReconnectDelay: adapter.maxReconnectDelay, logger });
    const liveness = new RedisNodeLiveness({ connection, nodeId, logger, ...timing });
    return {
      connection,
      liveness,
      broker: new RedisBroker({ connection, logger, nodeId }),
      presence: new RedisPresenceStore({ connection, nodeId, logger, liveness, ...timing }),
      history: new RedisHistoryStore({ connection, logger, metaTtl: config.history.metaTtl }),
      idempotency: new RedisIdempotencyStore({ connection }),
    };
  });
  const first = shards[0]!;
  const route = <T>(pick: (shard: ShardParts) => T): Sharded<T> => new Sharded(ids, shards.map(pick));
  const parts: Adapter = {
    broker: new ShardedBroker(route((shard) => shard.broker), nodeId),
    presence: new ShardedPresenceStore(route((shard) => shard.presence)),
    nodes: new RedisNodeRegistry({ connection: first.connection, nodeId, logger, liveness: first.liveness, ...timing }),
    history: new ShardedHistoryStore(route((shard) => shard.history)),
    idempotency: new ShardedIdempotencyStore(route((shard) => shard.idempotency)),
    replays: new RedisReplayStore({ connection: first.connection }),
    redis: first.connection,
    close: async () => {
      await Promise.all(shards.map((shard) => shard.liveness.close()));
      await Promise.all(shards.map((shard) => shard.connection.close()));
    },
  };
  for (const shard of shards) {
    shard.presence.start();
    shard.liveness.start();
  }
  logger.info('redis adapter on shards', { nodeId, shards: ids, keyPrefix: adapter.keyPrefix });
  const ready = await Promise.all(shards.map((shard) => shard.connection.waitUntilReady(startupWaitMs)));
  const down = ids.filter((_, i) => !ready[i]);
  if (down.length > 0) logger.warn('some redis shards are not reachable yet: starting anyway and reconnecting in the background', { shards: down });
  return parts;
}
