import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/**
 * A Lua script run with EVALSHA, loaded with EVAL the first time a Redis does not know it
 * (a fresh or restarted Redis). Scripts run atomically: what Pushy needs for join/leave.
 */
export class RedisScript {
  private readonly sha: string;

  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /**
   * Runs the script with these ARGV. Keys are derived inside the script from the prefix or key
   * in `args[0]`, which is also passed as the one KEYS entry (the scripts do not read it): on a
   * Redis Cluster it routes the script to the primary of that slot, where every key the script
   * touches lives (they share its hash tag).
   */
  async run(redis: Redis | Cluster, args: Array<string | number>): Promise<unknown> {
    const route = String(args[0] ?? '');
    try {
      return await redis.evalsha(this.sha, 1, route, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.lua, 1, route, ...args);
    }
  }
}
