import type { RedisConnection } from '../redis/redis-connection.js';
import type { ReplayClaim, SignatureReplayStore } from './replay-store.js';

/** What a {@link RedisReplayStore} needs. */
export interface RedisReplayStoreDeps {
  connection: RedisConnection;
  /** Clock in ms, for the keys' remaining lifetime. */
  now?: () => number;
}

/**
 * Used signatures shared by every node: a replay sent to another node is still seen.
 * `SET NX EX` takes a signature atomically, for what is left of its window (Redis expires it).
 */
export class RedisReplayStore implements SignatureReplayStore {
  private readonly now: () => number;

  constructor(private readonly deps: RedisReplayStoreDeps) {
    this.now = deps.now ?? (() => Date.now());
  }

  async claim(signature: string, _timestamp: number, expiresAt: number): Promise<ReplayClaim> {
    // Through the end of the second expiresAt (EX counts from now, a fraction into this second).
    const ttl = Math.max(1, expiresAt - Math.floor(this.now() / 1000) + 1);
    const taken = await this.deps.connection.run('signature claim', (redis) => redis.set(this.key(signature), '', 'EX', ttl, 'NX'));
    return taken === 'OK' ? { fresh: true } : { fresh: false, reason: 'seen' };
  }

  async release(signature: string): Promise<void> {
    await this.deps.connection.run('signature release', (redis) => redis.del(this.key(signature)));
  }

  /** The Redis clients belong to the adapter, which closes them. */
  async close(): Promise<void> {}

  private key(signature: string): string {
    return this.deps.connection.key('sig', signature);
  }
}

/**
 * With a Redis adapter, used signatures live in Redis, so every node sees every replay. Without
 * one, nothing: createServer's memory store applies (as `createSharedHistory` does).
 */
export function createSharedReplayStore(redis: RedisConnection | undefined): SignatureReplayStore | undefined {
  return redis ? new RedisReplayStore({ connection: redis }) : undefined;
}
