import type { HistoryConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import type { HistoryStore } from './history-store.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { RedisHistoryStore } from './redis-history-store.js';
import { RedisIdempotencyStore } from './redis-idempotency-store.js';

/** History and idempotency stores to hand to createServer. */
export interface SharedHistory {
  history?: HistoryStore;
  idempotency?: IdempotencyStore;
}

/**
 * With a Redis adapter, history and idempotency keys live in Redis too, so every node gives
 * and reads the same offsets. Without one, nothing: createServer's memory stores apply.
 */
export function createSharedHistory(redis: RedisConnection | undefined, config: HistoryConfig, logger: Logger): SharedHistory {
  if (!redis) return {};
  return {
    history: new RedisHistoryStore({ connection: redis, logger, metaTtl: config.metaTtl }),
    idempotency: new RedisIdempotencyStore({ connection: redis }),
  };
}
