import { createLogger, type Logger } from '../../lib/logger.js';
import { RedisConnection } from '../../lib/redis/redis-connection.js';

/** Log lines kept by a test logger. */
export interface LogRecorder {
  logger: Logger;
  lines: string[];
}

/** A logger that keeps every line (debug and up) for assertions. */
export function recordLogs(): LogRecorder {
  const lines: string[] = [];
  return { logger: createLogger('debug', (line) => lines.push(line)), lines };
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
