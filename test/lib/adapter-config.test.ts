import { expect } from 'chai';
import { createAdapter } from '../../lib/adapter.js';
import { MemoryBroker } from '../../lib/broker/memory-broker.js';
import { MemoryPresenceStore } from '../../lib/presence/presence-store.js';
import { MemoryHistoryStore } from '../../lib/history/memory-history-store.js';
import { MemoryIdempotencyStore } from '../../lib/history/idempotency-store.js';
import { MemoryNodeRegistry } from '../../lib/nodes/node-registry.js';
import { ConfigError, loadConfig } from '../../lib/config.js';
import { silentLogger } from '../../lib/logger.js';

describe('adapter configuration', () => {
  it('defaults to the memory adapter, which needs no Redis', async () => {
    const config = loadConfig({ env: {} });
    expect(config.adapter).to.deep.equal({
      type: 'memory',
      url: 'redis://127.0.0.1:6379',
      keyPrefix: 'pushy:',
      commandTimeout: 2000,
      maxReconnectDelay: 5000,
      heartbeatInterval: 5000,
      nodeTimeout: 20000,
      redis: { sentinels: [], name: 'mymaster', shards: [], cluster: [] },
    });
    // The documented bound on reaping a dead node's members.
    expect(config.adapter.nodeTimeout + config.adapter.heartbeatInterval).to.be.at.most(30000);
    const adapter = await createAdapter(config, silentLogger);
    expect(adapter.broker).to.be.instanceOf(MemoryBroker);
    expect(adapter.presence).to.be.instanceOf(MemoryPresenceStore);
    expect(adapter.nodes).to.be.instanceOf(MemoryNodeRegistry);
    expect(adapter.history).to.be.instanceOf(MemoryHistoryStore);
    expect(adapter.idempotency).to.be.instanceOf(MemoryIdempotencyStore);
    await adapter.history.close();
    await adapter.close();
  });

  it('reads the Redis options from the environment', () => {
    const config = loadConfig({
      env: {
        PUSHY_ADAPTER: 'redis',
        PUSHY_REDIS_URL: 'redis://:pw@redis.internal:6380/2',
        PUSHY_REDIS_KEY_PREFIX: 'app1:',
        PUSHY_REDIS_HEARTBEAT_INTERVAL: '1000',
        PUSHY_REDIS_NODE_TIMEOUT: '3000',
      },
    });
    expect(config.adapter).to.include({ type: 'redis', url: 'redis://:pw@redis.internal:6380/2', keyPrefix: 'app1:', heartbeatInterval: 1000, nodeTimeout: 3000 });
  });

  it('reads Sentinel addresses as host:port text from the environment and as {host, port} from a file', () => {
    const fromEnv = loadConfig({ env: { PUSHY_REDIS_SENTINELS: 's1.internal:26379, 10.0.0.2:26380', PUSHY_REDIS_SENTINEL_NAME: 'pushy' } });
    expect(fromEnv.adapter.redis).to.deep.equal({
      sentinels: [
        { host: 's1.internal', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
      ],
      name: 'pushy',
      shards: [],
      cluster: [],
    });
    const fromOverrides = loadConfig({ env: {}, overrides: { adapter: { redis: { sentinels: [{ host: 's1', port: 26379 }] } } } });
    expect(fromOverrides.adapter.redis.sentinels).to.deep.equal([{ host: 's1', port: 26379 }]);
  });

  it('refuses Sentinel addresses without a valid port, naming the key', () => {
    expect(() => loadConfig({ env: { PUSHY_REDIS_SENTINELS: 's1.internal' } })).to.throw(ConfigError, /adapter\.redis\.sentinels.*host, port/);
    expect(() => loadConfig({ env: { PUSHY_REDIS_SENTINELS: 's1:99999' } })).to.throw(ConfigError, /adapter\.redis\.sentinels/);
    expect(() => loadConfig({ env: {}, overrides: { adapter: { redis: { sentinels: [{ host: 's1', port: 1, extra: 1 } as never] } } } })).to.throw(ConfigError, /adapter\.redis\.sentinels/);
  });

  it('reads shard URLs as a comma-separated list from the environment', () => {
    const config = loadConfig({ env: { PUSHY_REDIS_SHARDS: 'redis://:pw@r1:6379, redis://r2:6379/1,rediss://r3:6380' } });
    expect(config.adapter.redis.shards).to.deep.equal(['redis://:pw@r1:6379', 'redis://r2:6379/1', 'rediss://r3:6380']);
  });

  it('refuses shard lists that are not Redis URLs, name one server twice, or come with sentinels, without echoing the URLs', () => {
    const refused = (env: Record<string, string>, pattern: RegExp): void => {
      let error: unknown;
      try {
        loadConfig({ env });
      } catch (caught) {
        error = caught;
      }
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as Error).message).to.match(pattern).and.not.include('secret-pw');
    };
    refused({ PUSHY_REDIS_SHARDS: 'http://:secret-pw@r1:6379' }, /adapter\.redis\.shards.*redis:\/\//);
    refused({ PUSHY_REDIS_SHARDS: 'redis://:secret-pw@r1:6379,redis://r1' }, /adapter\.redis\.shards.*once/);
    refused({ PUSHY_REDIS_SHARDS: 'redis://:secret-pw@r1:6379', PUSHY_REDIS_SENTINELS: 's1:26379' }, /adapter\.redis\.shards.*sentinels/);
    refused({ PUSHY_REDIS_SHARDS: 'redis://:secret-pw@r1:6379', PUSHY_REDIS_CLUSTER: 'c1:7000' }, /adapter\.redis\.cluster.*shards/);
  });

  it('refuses an unknown adapter type and a node timeout not longer than the heartbeat', () => {
    expect(() => loadConfig({ env: { PUSHY_ADAPTER: 'kafka' } })).to.throw(ConfigError, /adapter\.type/);
    expect(() => loadConfig({ env: {}, overrides: { adapter: { heartbeatInterval: 5000, nodeTimeout: 5000 } } })).to.throw(ConfigError, /adapter\.nodeTimeout/);
    expect(() => loadConfig({ env: {}, overrides: { adapter: { heartbeatInterval: 10 } } })).to.throw(ConfigError, /adapter\.heartbeatInterval/);
  });
});
