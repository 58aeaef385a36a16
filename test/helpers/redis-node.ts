import { createLogger, type Logger } from '../../lib/logger.js';
import { RedisConnection } from '../../lib/redis/redis-connection.js';

/** Log lines kept by a test logger. */
export interface LogRecorder {
  logger: Logger;
  lines: string[];
  /** Resolves when a line (already logged or coming) matches `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
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
  const waitFor = (pattern: RegExp, timeoutMs = 10000): Promise<void> => {
    if (lines.some((line) => pattern.test(line))) return Promise.resolve();
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
