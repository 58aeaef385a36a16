import { expect } from 'chai';
import { channelKey } from '../../lib/apps/namespace.js';
import { HashRing } from '../../lib/shards/hash-ring.js';
import { CLUSTER_GROUPS, slotGroupTags } from '../../lib/shards/cluster-slots.js';
import { RedisClusterSet } from '../helpers/redis-topologies.js';
import { describeThreeNodes } from './topology-scenarios.js';

let set: RedisClusterSet;

describeThreeNodes('a 3-primary Redis Cluster (adapter.redis.cluster)', {
  start: async () => {
    set = await RedisClusterSet.create(3);
    const tags = slotGroupTags();
    const ring = new HashRing(tags);
    // redis-cli gives the three primaries equal contiguous slot ranges in node order, and slot
    // group k lies in the k-th sixteenth of the slots: groups 0, 8 and 15 are on nodes 0, 1, 2.
    const groupOf = [0, 8, 15];
    expect(CLUSTER_GROUPS).to.equal(16);
    for (const [part, group] of groupOf.entries()) expect(await set.nodeOfSlot(tags[group]!)).to.equal(part);
    return {
      redis: { cluster: set.addresses },
      channelOn: (part, prefix, app) => {
        for (let i = 0; ; i += 1) if (ring.shardOf(channelKey(app, `${prefix}-${i}`)) === groupOf[part]) return `${prefix}-${i}`;
      },
    };
  },
  stop: async () => {
    await set?.destroy();
  },
});
