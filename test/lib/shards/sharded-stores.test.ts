import { expect } from 'chai';
import { createAdapter, type Adapter } from '../../../lib/adapter.js';
import { channelKey } from '../../../lib/apps/namespace.js';
import { loadConfig } from '../../../lib/config.js';
import { RedisConnection } from '../../../lib/redis/redis-connection.js';
import { shardId } from '../../../lib/redis/redis-endpoints.js';
import { HashRing } from '../../../lib/shards/hash-ring.js';
import { ShardedBroker } from '../../../lib/shards/sharded-broker.js';
import { recordLogs } from '../../helpers/redis-node.js';
import { RedisShardSet, REDIS_TOOLS_AVAILABLE } from '../../helpers/redis-topologies.js';
import { requireService } from '../../helpers/services.js';
import { waitUntil } from '../../helpers/wait.js';
import { describeTopologyContracts } from './adapter-contracts.js';
import { RedisWebhookQueue } from '../../../lib/webhooks/redis-webhook-queue.js';
import { describeWebhookQueueContract } from '../webhooks/webhook-queue-contract.js';
import { describeOccupancyContract } from '../occupancy-contract.js';
import { describeCountStoreContract } from '../count-store-contract.js';
import { describeExclusiveChannelContract } from '../channel-rules/exclusive-channel-contract.js';

const KEY_PREFIX = `pushy-shards-${process.pid}:`;

describe('the Redis adapter on three independent shards', () => {
  let set: RedisShardSet;
  const adapters: Adapter[] = [];

  /** A node's adapter on the shards, as `adapter.redis.shards` wires it. */
  const node = async (keyPrefix = KEY_PREFIX): Promise<Adapter> => {
    const config = loadConfig({
      env: {},
      overrides: { adapter: { type: 'redis', keyPrefix, redis: { shards: set.urls }, commandTimeout: 1000, maxReconnectDelay: 200, heartbeatInterval: 1000, nodeTimeout: 60000 }, history: { metaTtl: 3600 } },
    });
    const adapter = await createAdapter(config, recordLogs().logger);
    adapters.push(adapter);
    return adapter;
  };
  /** What a node's adapter stores on its own Redis, for inspection. */
  const rawShard = (i: number): RedisConnection => {
    const connection = new RedisConnection({ url: set.urls[i]!, keyPrefix: KEY_PREFIX, commandTimeout: 1000, maxReconnectDelay: 200, logger: recordLogs().logger });
    raws.push(connection);
    return connection;
  };
  const raws: RedisConnection[] = [];

  before(async function () {
    requireService(this, 'redis-server', REDIS_TOOLS_AVAILABLE);
    set = await RedisShardSet.create(3);
  });
  afterEach(async () => {
    for (const adapter of adapters.splice(0)) {
      await Promise.all([adapter.broker.close(), adapter.presence.close(), adapter.nodes.close(), adapter.history.close(), adapter.idempotency.close(), adapter.replays.close(), adapter.occupancy.close(), adapter.exclusive.close(), adapter.counts.close()]);
      await adapter.close();
    }
    await Promise.all(raws.splice(0).map((raw) => raw.close()));
  });
  after(async () => {
    await set?.destroy();
  });

  // Cluster-wide state that is not per channel (webhook queues, occupancy, exclusive places) on the first shard.
  let queues = 0;
  describeWebhookQueueContract('3 redis shards', {
    async open(options) {
      queues += 1;
      const { redis } = await node(`${KEY_PREFIX}queue-${queues}:`);
      return (consumer) => new RedisWebhookQueue({ connection: redis!, consumer, ...options });
    },
  });
  describeOccupancyContract('3 redis shards', async () => (await node()).occupancy);
  // Per channel, on the channel's shard (each shard reaps its dead nodes' counts, as presence does).
  describeCountStoreContract('3 redis shards', async () => (await node()).counts, { shared: true });
  describeExclusiveChannelContract('3 redis shards', async () => {
    const adapter = await node();
    return { store: adapter.exclusive, nodeId: adapter.broker.nodeId };
  });

  describeTopologyContracts('3 redis shards', {
    node,
    loseEverything: async () => {
      for (const [i] of set.urls.entries()) {
        const raw = rawShard(i);
        await raw.waitUntilReady(5000);
        await raw.commands.flushall();
      }
    },
    outage: {
      begin: async () => {
        for (const server of set.servers) await server.stop();
      },
      end: async () => {
        for (const server of set.servers) await server.start();
      },
    },
  });

  it('keeps each channel on the shard the hash ring names, and every shard carries some', async () => {
    const adapter = await node();
    const ring = new HashRing(set.urls.map(shardId));
    const channels = Array.from({ length: 30 }, (_, i) => `spread-${i}`);
    for (const channel of channels) await adapter.history.append(channelKey(undefined, channel), { event: 'e', data: 1 }, { size: 10, ttl: 60 });
    const raws3 = set.urls.map((_, i) => rawShard(i));
    for (const raw of raws3) await raw.waitUntilReady(5000);
    const holders = await Promise.all(
      channels.map(async (channel) => {
        const key = channelKey(undefined, channel);
        const found = await Promise.all(raws3.map((raw) => raw.commands.exists(raw.key('history', `{${key}}`, 'meta'))));
        return found.flatMap((exists, i) => (exists ? [i] : []));
      }),
    );
    holders.forEach((on, i) => expect(on, channels[i]).to.deep.equal([ring.shardOf(channelKey(undefined, channels[i]!))]));
    expect(new Set(holders.flat()).size).to.equal(3);
  });

  it('with one shard down: its channels answer UNAVAILABLE, the others keep working, and readiness and state name the shard', async () => {
    const adapter = await node();
    const broker = adapter.broker as ShardedBroker;
    const ring = new HashRing(set.urls.map(shardId));
    const onShard = (shard: number): string => Array.from({ length: 100 }, (_, i) => `down-${i}`).find((c) => ring.shardOf(channelKey(undefined, c)) === shard)!;
    const [lost, kept] = [onShard(1), onShard(2)];
    expect(broker.isReady()).to.equal(true);
    expect(broker.state).to.equal('ready');
    await set.servers[1]!.stop();
    try {
      await waitUntil(() => !broker.isReady(), 10_000, 'the broker to notice the shard outage');
      expect(broker.state).to.equal(`shard ${shardId(set.urls[1]!)} reconnecting`);
      expect(broker.shardStates().map((s) => s.state)).to.deep.equal(['ready', 'reconnecting', 'ready']);
      let failure: unknown;
      await adapter.history.append(channelKey(undefined, lost), { event: 'e', data: 1 }, { size: 10, ttl: 60 }).catch((error: unknown) => (failure = error));
      expect(failure).to.have.property('errorName', 'UNAVAILABLE');
      const position = await adapter.history.append(channelKey(undefined, kept), { event: 'e', data: 1 }, { size: 10, ttl: 60 });
      expect(position.offset).to.equal(1);
    } finally {
      await set.servers[1]!.start();
    }
    await waitUntil(() => broker.isReady(), 10_000, 'the broker to reconnect');
  });
});
