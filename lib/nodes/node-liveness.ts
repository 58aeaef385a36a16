import type { Logger } from '../logger.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import { RedisScript } from '../redis/redis-script.js';

/*
 * Which nodes of a Redis cluster are alive (P = the key prefix):
 *
 *   P nodes  zset  nodeId -> deadline (ms, Redis clock): the node's last heartbeat plus nodeTimeout
 *
 * A node whose deadline passed is dead (killed, or cut off from Redis for too long). Nodes of
 * earlier versions keep the same set from their presence heartbeat, so mixed versions agree.
 */

/** Pushes this node's deadline forward. ARGV: prefix, nodeId, nodeTimeout. Returns {1 if it was missing, dead ids}. */
const heartbeatScript = new RedisScript(`
local P, node, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local missing = redis.call('ZADD', P .. 'nodes', now + ttl, node)
return {missing, redis.call('ZRANGEBYSCORE', P .. 'nodes', '-inf', now)}
`);

/**
 * Forgets nodes that are still dead (a node that beat meanwhile stays). ARGV: prefix, ids...
 * Run once every listener dealt with them, so that a failed reaping is tried again next beat.
 */
const forgetScript = new RedisScript(`
local P = ARGV[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #ARGV do
  local deadline = redis.call('ZSCORE', P .. 'nodes', ARGV[i])
  if deadline and tonumber(deadline) <= now then redis.call('ZREM', P .. 'nodes', ARGV[i]) end
end
return 1
`);

/** What one heartbeat found. */
export interface Beat {
  /** This node was not in the set: its first beat, or it was taken for dead, or Redis lost its data. */
  missing: boolean;
  /** Nodes whose deadline passed; listeners clean up after them (each reaping must be idempotent). */
  dead: string[];
}

/** Called after every heartbeat; a rejection is logged, and the dead it was given are offered again next beat. */
export type BeatListener = (beat: Beat) => Promise<void>;

/** What a {@link RedisNodeLiveness} needs. */
export interface RedisNodeLivenessDeps {
  connection: RedisConnection;
  nodeId: string;
  logger: Logger;
  /** Milliseconds between heartbeats. */
  heartbeatInterval: number;
  /** Milliseconds without a heartbeat after which a node is dead. */
  nodeTimeout: number;
}

/**
 * The one liveness mechanism of a node on Redis: one timer, one heartbeat every
 * `heartbeatInterval` (and as soon as Redis is back), shared by everything that must know who is
 * alive (the presence store reaps the dead's members, the node registry lists the living). Owned
 * by whoever created it (the adapter), which starts and closes it.
 */
export class RedisNodeLiveness {
  private readonly listeners = new Set<BeatListener>();
  private timer: NodeJS.Timeout | undefined;
  private removeReadyListener: (() => void) | undefined;
  private beating: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly deps: RedisNodeLivenessDeps) {}

  get nodeId(): string {
    return this.deps.nodeId;
  }

  /** The deadline a heartbeat gives, in ms after it (readers of the set compare with Redis TIME). */
  get nodeTimeout(): number {
    return this.deps.nodeTimeout;
  }

  /** Adds a listener of every beat; returns its remover. */
  onBeat(listener: BeatListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the heartbeat (at once when Redis is up, and on every reconnect). Idempotent. */
  start(): void {
    if (this.timer || this.closed) return;
    this.removeReadyListener = this.deps.connection.onReady(() => void this.beat());
    this.timer = setInterval(() => void this.beat(), this.deps.heartbeatInterval);
    this.timer.unref();
    if (this.deps.connection.isUp) void this.beat();
  }

  /**
   * One heartbeat now, then the listeners; resolves when they are done. A beat already running
   * is joined rather than doubled. Skipped while Redis is away.
   */
  beat(): Promise<void> {
    if (this.beating || this.closed || !this.deps.connection.isUp) return this.beating ?? Promise.resolve();
    this.beating = this.runBeat().finally(() => {
      this.beating = undefined;
    });
    return this.beating;
  }

  /**
   * Stops beating. The node stays in the set until its deadline: whoever leaves gracefully
   * removes itself with its own state (the presence store does, with its members).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.removeReadyListener?.();
    await this.beating;
    this.listeners.clear();
  }

  private async runBeat(): Promise<void> {
    const { connection, nodeId, nodeTimeout, logger } = this.deps;
    let beat: Beat;
    try {
      const [missing, dead] = (await connection.run('node heartbeat', (redis) => heartbeatScript.run(redis, [connection.key(), nodeId, nodeTimeout]))) as [
        number,
        string[],
      ];
      beat = { missing: missing === 1, dead };
    } catch (error) {
      logger.warn('node heartbeat failed', { error });
      return;
    }
    const results = await Promise.allSettled([...this.listeners].map((listener) => listener(beat)));
    const failed = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    for (const failure of failed) logger.warn('a node heartbeat listener failed', { error: failure.reason });
    if (beat.dead.length === 0 || failed.length > 0) return;
    try {
      await connection.run('forget dead nodes', (redis) => forgetScript.run(redis, [connection.key(), ...beat.dead]));
    } catch (error) {
      logger.debug('could not forget dead nodes; the next heartbeat will', { error });
    }
  }
}

/**
 * What a part that follows the node's heartbeat takes (the Redis presence store, the Redis node
 * registry): the node's shared liveness (the adapter's, one per node), or, without one, what it
 * needs to run its own.
 */
export interface LivenessDeps extends RedisNodeLivenessDeps {
  liveness?: RedisNodeLiveness;
}

/** The liveness a part follows, and whether it is the part's own (which the part starts and closes). */
export function livenessFor(deps: LivenessDeps, part: string): { liveness: RedisNodeLiveness; owned: boolean } {
  if (!deps.liveness) return { liveness: new RedisNodeLiveness(deps), owned: true };
  if (deps.liveness.nodeId !== deps.nodeId) throw new Error(`the ${part} and its liveness must have the same node id`);
  return { liveness: deps.liveness, owned: false };
}
