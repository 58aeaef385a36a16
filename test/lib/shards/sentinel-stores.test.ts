import { createAdapter, type Adapter } from '../../../lib/adapter.js';
import { loadConfig } from '../../../lib/config.js';
import { recordLogs } from '../../helpers/redis-node.js';
import { RedisSentinelSet, REDIS_TOOLS_AVAILABLE } from '../../helpers/redis-topologies.js';
import { requireService } from '../../helpers/services.js';
import { describeTopologyContracts } from './adapter-contracts.js';

const KEY_PREFIX = `pushy-sentinel-${process.pid}:`;

describe('the Redis adapter on a Sentinel-managed primary', function () {
  this.timeout(30000);
  let set: RedisSentinelSet;
  const adapters: Adapter[] = [];

  /** A node's adapter that finds the primary through the sentinels, as `adapter.redis.sentinels` wires it. */
  const node = async (): Promise<Adapter> => {
    const config = loadConfig({
      env: {},
      overrides: {
        adapter: { type: 'redis', keyPrefix: KEY_PREFIX, redis: { sentinels: set.sentinelAddresses, name: set.name }, commandTimeout: 1000, maxReconnectDelay: 200, heartbeatInterval: 1000, nodeTimeout: 60000 },
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
    set = await RedisSentinelSet.create();
  });
  afterEach(async () => {
    for (const adapter of adapters.splice(0)) {
      await Promise.all([adapter.broker.close(), adapter.presence.close(), adapter.nodes.close(), adapter.history.close(), adapter.idempotency.close(), adapter.replays.close()]);
      await adapter.close();
    }
  });
  after(async () => {
    await set?.destroy();
  });

  describeTopologyContracts('sentinel', { node, loseEverything: () => set.flushPrimary() });
});
