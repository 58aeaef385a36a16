import type { RedisConnection } from '../redis/redis-connection.js';
import type { OnFull } from './channel-rule.js';
import { checkClaim, type ClaimResult, type ExclusiveChannelStore } from './exclusive-channel-store.js';
import { claimScript, releaseNodeScript, releaseScript } from './redis-exclusive-scripts.js';

/** What a {@link RedisExclusiveChannelStore} needs. */
export interface RedisExclusiveChannelStoreDeps {
  connection: RedisConnection;
  /** This node: its claims are recorded under it, so that they can be given back if it dies. */
  nodeId: string;
}

/**
 * Places on limited channels shared by every node: each claim and release is one Lua script,
 * atomic in Redis, so concurrent claims from several nodes never admit more than the limit.
 * Redis away: every call rejects with `UNAVAILABLE` (the subscribe is refused, not let through).
 */
export class RedisExclusiveChannelStore implements ExclusiveChannelStore {
  constructor(private readonly deps: RedisExclusiveChannelStoreDeps) {}

  async claim(app: string, channel: string, subscriberId: string, limit: number, onFull: OnFull): Promise<ClaimResult> {
    checkClaim(subscriberId, limit);
    const reply = (await this.deps.connection.run('exclusive channel claim', (redis) =>
      claimScript.run(redis, [this.prefix(), this.deps.nodeId, app, channel, subscriberId, limit, onFull]),
    )) as [number, ...string[]];
    const [admitted, ...evicted] = reply;
    return { admitted: admitted === 1, evicted };
  }

  async release(app: string, channel: string, subscriberId: string): Promise<void> {
    await this.deps.connection.run('exclusive channel release', (redis) => releaseScript.run(redis, [this.prefix(), app, channel, subscriberId]));
  }

  async holders(app: string, channel: string): Promise<string[]> {
    return this.deps.connection.run('exclusive channel holders', (redis) => redis.zrange(this.deps.connection.key('excl', app, `{${channel}}`), '0', '-1'));
  }

  async releaseNode(nodeId: string): Promise<number> {
    const released = await this.deps.connection.run('exclusive channel node release', (redis) => releaseNodeScript.run(redis, [this.prefix(), nodeId]));
    return Number(released);
  }

  /** The Redis clients belong to the adapter, which closes them. */
  async close(): Promise<void> {}

  private prefix(): string {
    return this.deps.connection.key();
  }
}
