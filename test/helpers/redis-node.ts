import { createAdapter, type Adapter } from '../../lib/adapter.js';
import { loadConfig, type AdapterConfig, type DeepPartial, type PushyConfig } from '../../lib/config.js';
import { createLogger, type Logger } from '../../lib/logger.js';
import { RedisConnection } from '../../lib/redis/redis-connection.js';
import { startServer, type TestServer } from './server.js';

/** Log lines kept by a test logger. */
export interface LogRecorder {
  logger: Logger;
  lines: string[];
  /** Resolves when a line from index `from` on (already logged or coming) matches `pattern`. */
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<void>;
}

/** A logger that keeps every line (debug and up) for assertions. */
export function recordLogs(): LogRecorder {
  const lines: string[] = [];
  let waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  const logger = createLogger('debug', (line) => {
    lines.push(line);
    waiters = waiters.filter((w) => {
      if (!w.pattern.test(line)) return true;
      w.resolve();
      return false;
    });
  });
  const waitFor = (pattern: RegExp, from = 0, timeoutMs = 10000): Promise<void> => {
    if (lines.slice(from).some((line) => pattern.test(line))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no log line ${pattern}; got:\n${lines.slice(-10).join('\n')}`)), timeoutMs);
      waiters.push({
        pattern,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  };
  return { logger, lines, waitFor };
}

/** Redis connections opened by a suite, closed together in its `after`/`afterEach`. */
export class RedisConnections {
  private readonly open: RedisConnection[] = [];

  constructor(
    private readonly url: () => string,
    private readonly keyPrefix = `pushy-test-${process.pid}:`,
  ) {}

  /** A connected RedisConnection with short timeouts for tests. */
  async connect(logger: Logger = createLogger('silent')): Promise<RedisConnection> {
    const connection = new RedisConnection({ url: this.url(), keyPrefix: this.keyPrefix, commandTimeout: 1000, maxReconnectDelay: 200, logger });
    this.open.push(connection);
    if (!(await connection.waitUntilReady(5000))) throw new Error('test redis not reachable');
    return connection;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.open.splice(0).map((connection) => connection.close()));
  }
}

/** A test server on a Redis adapter: broker, presence, nodes and history all in Redis. */
export interface RedisTestNode extends TestServer {
  adapter: Adapter;
  config: PushyConfig;
}

/**
 * Starts a server on port 0 whose shared state lives in the Redis at `url` (as
 * `pushy-server` wires it), with `overrides` for any other option. `close()` also closes the
 * node's Redis clients.
 */
export async function startRedisNode(url: string, overrides: DeepPartial<PushyConfig> = {}, logger: Logger = createLogger('silent')): Promise<RedisTestNode> {
  const adapterOverrides: DeepPartial<AdapterConfig> = { keyPrefix: `pushy-e2e-${process.pid}:`, ...overrides.adapter, type: 'redis', url };
  const all: DeepPartial<PushyConfig> = { ...overrides, adapter: adapterOverrides };
  const config = loadConfig({ env: {}, overrides: all });
  const adapter = await createAdapter(config, logger);
  const { broker, presence, nodes, history, idempotency, replays, occupancy, redis, exclusive, counts } = adapter;
  const server = await startServer(all, { broker, presence, nodes, logger, history, idempotency, replays, occupancy, redis, exclusive, counts });
  return {
    ...server,
    adapter,
    config,
    close: async () => {
      await server.close();
      await adapter.close();
    },
  };
}
