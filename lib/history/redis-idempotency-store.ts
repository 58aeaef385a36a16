import type { RedisConnection } from '../redis/redis-connection.js';
import { IDEMPOTENCY_TTL_SECONDS, type IdempotencyClaim, type IdempotencyStore } from './idempotency-store.js';

/** What a {@link RedisIdempotencyStore} needs. */
export interface RedisIdempotencyStoreDeps {
  connection: RedisConnection;
  ttlSeconds?: number;
}

/**
 * Idempotency keys shared by every node: a retry that lands on another node is still seen.
 * `SET NX EX` takes a key atomically; its value is empty until the first answer is recorded.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly ttl: number;

  constructor(private readonly deps: RedisIdempotencyStoreDeps) {
    this.ttl = deps.ttlSeconds ?? IDEMPOTENCY_TTL_SECONDS;
  }

  async claim(channel: string, key: string): Promise<IdempotencyClaim> {
    const id = this.key(channel, key);
    const taken = await this.deps.connection.run('idempotency claim', (redis) => redis.set(id, '', 'EX', this.ttl, 'NX'));
    if (taken === 'OK') return { first: true };
    const status = Number(await this.deps.connection.run('idempotency read', (redis) => redis.get(id)));
    return status > 0 ? { first: false, status } : { first: false };
  }

  async complete(channel: string, key: string, status: number): Promise<void> {
    await this.deps.connection.run('idempotency complete', (redis) => redis.set(this.key(channel, key), String(status), 'KEEPTTL', 'XX'));
  }

  async release(channel: string, key: string): Promise<void> {
    await this.deps.connection.run('idempotency release', (redis) => redis.del(this.key(channel, key)));
  }

  /** The Redis clients belong to the adapter, which closes them. */
  async close(): Promise<void> {}

  private key(channel: string, key: string): string {
    // Braces end the channel unambiguously (they cannot appear in a channel name).
    return this.deps.connection.key('idem', `{${channel}}`, key);
  }
}
