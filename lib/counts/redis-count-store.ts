import { livenessFor, type Beat, type LivenessDeps, type RedisNodeLiveness } from '../nodes/node-liveness.js';
import { dropCountsScript, restoreCountsScript, setCountScript } from './redis-count-scripts.js';
import type { ChannelTotal, SubscriberCountStore } from './subscriber-count-store.js';

/** What a {@link RedisSubscriberCountStore} needs: its Redis, the node id, and the node's liveness (or what it needs to run its own). */
export type RedisSubscriberCountStoreDeps = LivenessDeps;

/**
 * Subscriber counts shared by every node through Redis (keys in `redis-count-scripts.ts`): one
 * hash per channel, one field per node, written and summed in one script. On each heartbeat the
 * store drops dead nodes' counts (killed without cleanup) and reports the new totals to its
 * listeners, on exactly one node; when Redis lost this node's counts (or took it for dead) it puts
 * them back and reports those totals too.
 */
export class RedisSubscriberCountStore implements SubscriberCountStore {
  /** This node's non-zero counts, to put back when Redis lost them. */
  private readonly local = new Map<string, number>();
  private readonly listeners = new Set<(totals: ChannelTotal[]) => void>();
  private readonly liveness: RedisNodeLiveness;
  private readonly ownsLiveness: boolean;
  private removers: Array<() => void> = [];
  private dirty = false;
  private closed = false;
  /** The last beat's work, so that closing waits for a restore under way (it would put counts back after the cleanup). */
  private beating: Promise<void> | undefined;

  constructor(private readonly deps: RedisSubscriberCountStoreDeps) {
    ({ liveness: this.liveness, owned: this.ownsLiveness } = livenessFor(deps, 'subscriber count store'));
  }

  /** Follows the node's heartbeat. */
  start(): void {
    if (this.removers.length > 0 || this.closed) return;
    this.removers.push(this.deps.connection.onReady(() => (this.dirty = true)));
    this.removers.push(this.liveness.onBeat((beat) => (this.beating = this.onBeat(beat))));
    if (this.ownsLiveness) this.liveness.start();
  }

  async set(channel: string, local: number): Promise<ChannelTotal> {
    // Kept first: a write that fails (Redis away) is put back by the restore once it returns.
    if (local > 0) this.local.set(channel, local);
    else this.local.delete(channel);
    const [total, version] = (await this.deps.connection.run('subscriber count', (redis) =>
      setCountScript.run(redis, [this.prefix(), this.deps.nodeId, this.liveness.nodeTimeout, channel, local]),
    )) as [number, number];
    return { channel, total, version };
  }

  onChanged(listener: (totals: ChannelTotal[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Stops following the heartbeat and takes this node's counts that are left out of Redis,
   * reporting the new totals to the listeners: the presence store takes the node out of the node
   * list when it leaves, so nobody would reap them. With Redis away they stay, and are reaped
   * with the node.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const remove of this.removers.splice(0)) remove();
    if (this.ownsLiveness) await this.liveness.close();
    await this.beating?.catch(() => undefined);
    if (this.local.size > 0 && this.deps.connection.isUp) {
      try {
        this.report(totalsOf(await this.deps.connection.run('subscriber counts cleanup', (redis) => dropCountsScript.run(redis, [this.prefix(), this.deps.nodeId]))));
      } catch (error) {
        this.deps.logger.warn('subscriber counts cleanup failed; other nodes will reap this node', { error });
      }
    }
    this.listeners.clear();
    this.local.clear();
  }

  private async onBeat({ missing, dead }: Beat): Promise<void> {
    if (this.closed) return;
    const { connection, nodeId, logger } = this.deps;
    if (dead.length > 0) {
      const reaped = totalsOf(await connection.run('subscriber counts reap', (redis) => dropCountsScript.run(redis, [this.prefix(), ...dead])));
      if (reaped.length > 0) {
        logger.info('subscriber counts: dead nodes dropped', { nodes: dead, channels: reaped.length });
        this.report(reaped);
      }
    }
    if ((missing || this.dirty) && this.local.size === 0) this.dirty = false;
    else if (missing || this.dirty) {
      this.dirty = false;
      const pairs = [...this.local].flatMap(([channel, count]) => [channel, count]);
      try {
        const restored = totalsOf(await connection.run('subscriber counts restore', (redis) => restoreCountsScript.run(redis, [this.prefix(), nodeId, this.liveness.nodeTimeout, ...pairs])));
        logger.info('subscriber counts restored in redis', { channels: restored.length });
        this.report(restored);
      } catch (error) {
        this.dirty = true;
        throw error;
      }
    }
  }


  private report(totals: ChannelTotal[]): void {
    for (const listener of this.listeners) listener(totals);
  }

  private prefix(): string {
    return this.deps.connection.key();
  }
}

/** The scripts' flat `{channel, total, version, ...}` as totals. */
function totalsOf(reply: unknown): ChannelTotal[] {
  const flat = reply as Array<string | number>;
  const totals: ChannelTotal[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) totals.push({ channel: String(flat[i]), total: Number(flat[i + 1]), version: Number(flat[i + 2]) });
  return totals;
}
