import { expect } from 'chai';
import { channelKey } from '../../lib/apps/namespace.js';
import { shardId } from '../../lib/redis/redis-endpoints.js';
import { HashRing } from '../../lib/shards/hash-ring.js';
import { eventually, request } from '../helpers/http.js';
import { metric, scrape } from '../helpers/metrics.js';
import { RedisShardSet } from '../helpers/redis-topologies.js';
import { trigger } from '../helpers/trigger.js';
import { describeThreeNodes, SECRET } from './topology-scenarios.js';

let set: RedisShardSet;

describeThreeNodes(
  'three Redis shards (adapter.redis.shards)',
  {
    start: async () => {
      set = await RedisShardSet.create(3);
      const ring = new HashRing(set.urls.map(shardId));
      return {
        redis: { shards: set.urls },
        channelOn: (shard, prefix, app) => {
          for (let i = 0; ; i += 1) if (ring.shardOf(channelKey(app, `${prefix}-${i}`)) === shard) return `${prefix}-${i}`;
        },
      };
    },
    stop: async () => {
      await set?.destroy();
    },
  },
  ({ nodes: current, topology, connect }) => {
    it("one shard down: its channels answer 503, the others 201; readiness is false and, with the metrics, names each shard's state; all resumes when it is back", async () => {
      const [lost, kept] = [topology().channelOn(1, 'outage'), topology().channelOn(2, 'outage')];
      const nodes = current();
      const watcher = await connect(nodes[1]!);
      await watcher.subscribe(lost);
      await set.servers[1]!.stop();
      try {
        const notReady = await eventually(async () => {
          const ready = await request(`${nodes[0]!.url}/pushy/ready`);
          expect(ready.status).to.equal(503);
          return ready.body;
        }, 10000);
        expect(notReady.checks.broker).to.equal(`shard ${shardId(set.urls[1]!)} reconnecting`);
        const ids = set.urls.map(shardId);
        expect(notReady.checks.shards).to.deep.equal([
          { shard: ids[0], state: 'ready' },
          { shard: ids[1], state: 'reconnecting' },
          { shard: ids[2], state: 'ready' },
        ]);
        const samples = await scrape(`${nodes[0]!.url}/metrics`);
        expect(ids.map((shard) => metric(samples, 'pushy_redis_shard_ready', { shard }))).to.deep.equal([1, 0, 1]);
        expect((await trigger(nodes[0]!.url, lost, 'e', {}, { secret: SECRET })).status).to.equal(503);
        expect((await trigger(nodes[0]!.url, kept, 'e', {}, { secret: SECRET })).status).to.be.oneOf([200, 201]);
      } finally {
        await set.servers[1]!.start();
      }
      await eventually(async () => expect((await request(`${nodes[0]!.url}/pushy/ready`)).status).to.equal(200), 10000);
      await eventually(async () => expect((await request(`${nodes[1]!.url}/pushy/ready`)).status).to.equal(200), 10000);
      expect((await trigger(nodes[0]!.url, lost, 'back', {}, { secret: SECRET })).status).to.equal(201);
      await watcher.next('back');
    });
  },
);
