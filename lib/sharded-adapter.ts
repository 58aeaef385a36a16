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
import { RedisSubscriberCountStore } from './counts/redis-count-store.js';
import { ShardedSubscriberCountStore } from './shards/sharded-count-store.js';
import { RedisConnection } from './redis/redis-connection.js';
import { shardId } from './redis/redis-endpoints.js';
import { CLUSTER_GROUPS, slotGroupTags } from './shards/cluster-slots.js';
import { Sharded } from './shards/sharded.js';
import { ShardedBroker } from './shards/sharded-broker.js';
import { ShardedHistoryStore, ShardedIdempotencyStore } from './shards/sharded-history.js';
import { ShardedPresenceStore } from './shards/sharded-presence-store.js';
import { RedisOccupancyStore } from './occupancy/redis-occupancy-store.js';
import { RedisExclusiveChannelStore } from './channel-rules/redis-exclusive-channel-store.js';
import { RedisReplayStore } from './signing/redis-replay-store.js';

/** Everything one node keeps on one shard: its clients, its heartbeat there, and the channel parts. */
interface ShardParts {
  connection: RedisConnection;
  liveness: RedisNodeLiveness;
  broker: RedisBroker;
  presence: RedisPresenceStore;
  counts: RedisSubscriberCountStore;
  history: RedisHistoryStore;
  idempotency: RedisIdempotencyStore;
}

/**
 * Where a sharded adapter's parts live: one connection per shard (`ids[i]` names
 * `connections[i]`), the first holding cluster-wide state (node list, webhook queue), and the
 * connection for used signatures (single keys, fine anywhere).
 */
interface ShardLayout {
  ids: string[];
  connections: RedisConnection[];
  replays: RedisConnection;
  /** For logs: hosts and ports, never passwords. */
  description: Record<string, unknown>;
  close(): Promise<void>;
}

/**
 * The Redis adapter over `adapter.redis.shards`: independent Redis servers, one pair of
 * clients each. Channels go to shards by the hash ring over their `host:port/db`.
 */
export function createShardedAdapter(config: PushyConfig, logger: Logger, startupWaitMs: number): Promise<Adapter> {
  const { adapter } = config;
  const urls = adapter.redis.shards;
  const connections = urls.map(
    (url) => new RedisConnection({ url, keyPrefix: adapter.keyPrefix, commandTimeout: adapter.commandTimeout, maxReconnectDelay: adapter.maxReconnectDelay, logger }),
  );
  const ids = urls.map(shardId);
  return createOnShards(config, logger, startupWaitMs, {
    ids,
    connections,
    replays: connections[0]!,
    description: { shards: ids },
    close: async () => {
      await Promise.all(connections.map((connection) => connection.close()));
    },
  });
}

/**
 * The Redis adapter on a Redis Cluster (`adapter.redis.cluster`): one pair of cluster clients,
 * seen as {@link CLUSTER_GROUPS} shards, each a key prefix with its own hash tag
 * (`<prefix>{<tag>}:`), so that all of a shard's keys and sharded pub/sub channels share one
 * slot, as its scripts and SSUBSCRIBE need. The tags' slots are spread evenly over the slot
 * space, hence over the primaries; channels go to them by the hash ring. Used signatures are
 * single keys without a group tag, so they spread over every slot.
 */
export function createClusterAdapter(config: PushyConfig, logger: Logger, startupWaitMs: number): Promise<Adapter> {
  const { adapter } = config;
  const base = new RedisConnection({
    url: adapter.url,
    cluster: adapter.redis.cluster,
    keyPrefix: adapter.keyPrefix,
    commandTimeout: adapter.commandTimeout,
    maxReconnectDelay: adapter.maxReconnectDelay,
    logger,
  });
  const tags = slotGroupTags(CLUSTER_GROUPS);
  return createOnShards(config, logger, startupWaitMs, {
    ids: tags,
    connections: tags.map((tag) => base.scoped(`{${tag}}:`)),
    replays: base,
    description: { cluster: base.address, slotGroups: tags.length },
    close: () => base.close(),
  });
}

/**
 * One heartbeat and one broker/presence/subscriber counts/history/idempotency per shard, each
 * channel routed to its shard by the hash ring; the node list on the first shard. Each shard keeps its own node
 * heartbeat, so that a dead node's presence members are reaped on every shard that holds some.
 */
async function createOnShards(config: PushyConfig, logger: Logger, startupWaitMs: number, layout: ShardLayout): Promise<Adapter> {
  const { adapter } = config;
  const nodeId = randomUUID();
  const timing = { heartbeatInterval: adapter.heartbeatInterval, nodeTimeout: adapter.nodeTimeout };
  const shards: ShardParts[] = layout.connections.map((connection) => {
    const liveness = new RedisNodeLiveness({ connection, nodeId, logger, ...timing });
    return {
      connection,
      liveness,
      broker: new RedisBroker({ connection, logger, nodeId }),
      presence: new RedisPresenceStore({ connection, nodeId, logger, liveness, ...timing }),
      counts: new RedisSubscriberCountStore({ connection, nodeId, logger, liveness, ...timing }),
      history: new RedisHistoryStore({ connection, logger, metaTtl: config.history.metaTtl }),
      idempotency: new RedisIdempotencyStore({ connection }),
    };
  });
  const first = shards[0]!;
  // Cluster-wide state that is not per channel lives on the first shard, as the node list does.
  const occupancy = new RedisOccupancyStore({ connection: first.connection, nodeId, logger, liveness: first.liveness, ...timing });
  const exclusive = new RedisExclusiveChannelStore({ connection: first.connection, nodeId });
  first.liveness.onBeat(async (beat) => {
    for (const dead of beat.dead) await exclusive.releaseNode(dead);
  });
  const route = <T>(pick: (shard: ShardParts) => T): Sharded<T> => new Sharded(layout.ids, shards.map(pick));
  const parts: Adapter = {
    broker: new ShardedBroker(route((shard) => shard.broker), nodeId),
    presence: new ShardedPresenceStore(route((shard) => shard.presence)),
    nodes: new RedisNodeRegistry({ connection: first.connection, nodeId, logger, liveness: first.liveness, ...timing }),
    history: new ShardedHistoryStore(route((shard) => shard.history)),
    idempotency: new ShardedIdempotencyStore(route((shard) => shard.idempotency)),
    replays: new RedisReplayStore({ connection: layout.replays }),
    occupancy,
    exclusive,
    counts: new ShardedSubscriberCountStore(route((shard) => shard.counts)),
    redis: first.connection,
    close: async () => {
      await Promise.all(shards.map((shard) => shard.liveness.close()));
      await layout.close();
    },
  };
  for (const shard of shards) {
    shard.presence.start();
    shard.counts.start();
    shard.liveness.start();
  }
  occupancy.start();
  logger.info('redis adapter on shards', { nodeId, keyPrefix: adapter.keyPrefix, ...layout.description });
  const ready = await Promise.all(shards.map((shard) => shard.connection.waitUntilReady(startupWaitMs)));
  const down = layout.ids.filter((_, i) => !ready[i]);
  if (down.length > 0) logger.warn('some redis shards are not reachable yet: starting anyway and reconnecting in the background', { shards: down });
  // The first heartbeat of each shard (with the presence resync it triggers) is done before the
  // node takes traffic: a join racing that resync would be announced by it, not as the join's own.
  await Promise.all(shards.map((shard, i) => (ready[i] ? shard.liveness.beat() : undefined)));
  return parts;
}
