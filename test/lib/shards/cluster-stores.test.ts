import { expect } from 'chai';
import { createAdapter, type Adapter } from '../../../lib/adapter.js';
import { channelKey } from '../../../lib/apps/namespace.js';
import { loadConfig } from '../../../lib/config.js';
import { CLUSTER_GROUPS, CLUSTER_SLOTS, keySlot, slotGroupTags } from '../../../lib/shards/cluster-slots.js';
import { recordLogs } from '../../helpers/redis-node.js';
import { RedisClusterSet, REDIS_TOOLS_AVAILABLE } from '../../helpers/redis-topologies.js';
import { requireService } from '../../helpers/services.js';
import { member } from '../presence-contract.js';
import { describeTopologyContracts } from './adapter-contracts.js';
import { RedisWebhookQueue } from '../../../lib/webhooks/redis-webhook-queue.js';
import { describeWebhookQueueContract } from '../webhooks/webhook-queue-contract.js';
import { describeOccupancyContract } from '../occupancy-contract.js';
import { describeCountStoreContract } from '../count-store-contract.js';
import { describeExclusiveChannelContract } from '../channel-rules/exclusive-channel-contract.js';

const KEY_PREFIX = `pushy-cluster-${process.pid}:`;

describe('the Redis adapter on a 3-primary Redis Cluster', function () {
  this.timeout(30000);
  let set: RedisClusterSet;
  const adapters: Adapter[] = [];

  /** A node's adapter on the cluster, as `adapter.redis.cluster` wires it. */
  const node = async (keyPrefix = KEY_PREFIX): Promise<Adapter> => {
    const config = loadConfig({
      env: {},
      overrides: {
        adapter: { type: 'redis', keyPrefix, redis: { cluster: set.addresses }, commandTimeout: 1000, maxReconnectDelay: 200, heartbeatInterval: 1000, nodeTimeout: 60000 },
        history: { metaTtl: 3600 },
      },
    });
    const adapter = await createAdapter(config, recordLogs().logger);
    adapters.push(adapter);
    return adapter;
  };

  before(async function () {
    this.timeout(60000);
    requireService(this, 'redis-server and redis-cli', REDIS_TOOLS_AVAILABLE);
    set = await RedisClusterSet.create(3);
  });
  afterEach(async () => {
    for (const adapter of adapters.splice(0)) {
      await Promise.all([adapter.broker.close(), adapter.presence.close(), adapter.nodes.close(), adapter.history.close(), adapter.idempotency.close(), adapter.replays.close(), adapter.occupancy.close(), adapter.exclusive.close(), adapter.counts.close()]);
      await adapter.close();
    }
  });
  after(async () => {
    await set?.destroy();
  });

  describeTopologyContracts('redis cluster', { node, loseEverything: () => set.flushAll() });

  // The cluster-wide state of webhooks and exclusive channels, on the cluster's slot groups too.
  let queues = 0;
  describeWebhookQueueContract('redis cluster', {
    async open(options) {
      queues += 1;
      const { redis } = await node(`${KEY_PREFIX}queue-${queues}:`);
      return (consumer) => new RedisWebhookQueue({ connection: redis!, consumer, ...options });
    },
  });
  describeOccupancyContract('redis cluster', async () => (await node()).occupancy);
  // Per channel, on the channel's shard (each shard reaps its dead nodes' counts, as presence does).
  describeCountStoreContract('redis cluster', async () => (await node()).counts, { shared: true });
  describeExclusiveChannelContract('redis cluster', async () => {
    const adapter = await node();
    return { store: adapter.exclusive, nodeId: adapter.broker.nodeId };
  });

  it('computes the slots Redis gives keys, and spreads its slot groups evenly over the slot space', async () => {
    for (const key of ['foo', 'pushy:{pushy-3}:history:{chat}:meta', '{}', 'a{b}c{d}', 'ü-{ß}']) expect(keySlot(key), key).to.equal(await set.keySlot(key));
    const tags = slotGroupTags();
    expect(tags).to.have.length(CLUSTER_GROUPS);
    tags.forEach((tag, k) => expect(Math.floor(keySlot(tag) / (CLUSTER_SLOTS / CLUSTER_GROUPS)), tag).to.equal(k));
  });

  it('puts channels on every primary: history, presence and idempotency keys of many channels land on all three', async () => {
    const adapter = await node();
    await set.flushAll();
    for (let i = 0; i < 60; i += 1) {
      const key = channelKey(undefined, `spread-${i}`);
      await adapter.history.append(key, { event: 'e', data: i }, { size: 10, ttl: 60 });
      await adapter.idempotency.claim(key, `k-${i}`);
      await adapter.presence.join(`presence-${key}`, 'u', member('u'), `c-${i}`);
    }
    const counts = await set.keyCounts();
    for (const count of counts) expect(count).to.be.above(0);
  });
});
