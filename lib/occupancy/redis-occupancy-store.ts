import { livenessFor, type Beat, type LivenessDeps, type RedisNodeLiveness } from '../nodes/node-liveness.js';
import type { OccupancyStore, Resumption } from './occupancy-store.js';
import { confirmScript, markScript, occupyScript, reapScript, restoreScript, resumeScript, vacateScript } from './redis-occupancy-scripts.js';

/** What a {@link RedisOccupancyStore} needs: its Redis, the node id, and the node's liveness (or what it needs to run its own). */
export type RedisOccupancyStoreDeps = LivenessDeps;

/**
 * Occupancy shared by every node through Redis (keys in `redis-occupancy-scripts.ts`). Each
 * node registers itself per channel on its first local subscriber and leaves on its last, in
 * Lua, so first and last are decided once for the cluster. On each heartbeat the store takes
 * dead nodes (killed without cleanup) out of their channels, atomically, and reports the
 * channels that emptied to its listeners: exactly one node (the one whose script did it) gets
 * each. When Redis lost this node's state (or took it for dead) it is put back.
 */
export class RedisOccupancyStore implements OccupancyStore {
  /** Channels with local subscribers, to put back when Redis lost them. */
  private readonly local = new Set<string>();
  private readonly listeners = new Set<(channels: string[]) => void>();
  private readonly liveness: RedisNodeLiveness;
  private readonly ownsLiveness: boolean;
  private removers: Array<() => void> = [];
  private dirty = false;
  private closed = false;

  constructor(private readonly deps: RedisOccupancyStoreDeps) {
    ({ liveness: this.liveness, owned: this.ownsLiveness } = livenessFor(deps, 'occupancy store'));
  }

  /** Follows the node's heartbeat. */
  start(): void {
    if (this.removers.length > 0 || this.closed) return;
    this.removers.push(this.deps.connection.onReady(() => (this.dirty = true)));
    this.removers.push(this.liveness.onBeat((beat) => this.onBeat(beat)));
    if (this.ownsLiveness) this.liveness.start();
  }

  async occupy(channel: string, delayMs: number): Promise<Resumption | 'none'> {
    this.local.add(channel);
    return (await this.deps.connection.run('occupancy occupy', (redis) =>
      occupyScript.run(redis, [this.prefix(), this.deps.nodeId, this.liveness.nodeTimeout, channel, delayMs]),
    )) as Resumption | 'none';
  }

  async vacate(channel: string, token: string): Promise<boolean> {
    this.local.delete(channel);
    const last = await this.deps.connection.run('occupancy vacate', (redis) => vacateScript.run(redis, [this.prefix(), this.deps.nodeId, channel, token]));
    return last === 1;
  }

  async markRemoval(marker: string, token: string): Promise<void> {
    await this.deps.connection.run('occupancy mark', (redis) => markScript.run(redis, [this.prefix(), marker, token]));
  }

  async resume(marker: string, delayMs: number): Promise<Resumption> {
    return (await this.deps.connection.run('occupancy resume', (redis) => resumeScript.run(redis, [this.prefix(), marker, delayMs]))) as Resumption;
  }

  async confirmRemoval(marker: string, token: string): Promise<boolean> {
    return (await this.deps.connection.run('occupancy confirm', (redis) => confirmScript.run(redis, [this.prefix(), marker, token]))) === 1;
  }

  onReaped(listener: (channels: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops following the heartbeat. This node's channels were vacated one by one as their subscribers left. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const remove of this.removers.splice(0)) remove();
    if (this.ownsLiveness) await this.liveness.close();
    this.listeners.clear();
    this.local.clear();
  }

  private async onBeat({ missing, dead }: Beat): Promise<void> {
    if (this.closed) return;
    const { connection, nodeId, logger } = this.deps;
    if (dead.length > 0) {
      const vacated = (await connection.run('occupancy reap', (redis) => reapScript.run(redis, [this.prefix(), ...dead]))) as string[];
      if (vacated.length > 0) {
        logger.info('occupancy: channels of dead nodes vacated', { nodes: dead, channels: vacated.length });
        for (const listener of this.listeners) listener(vacated);
      }
    }
    if ((missing || this.dirty) && this.local.size > 0) {
      this.dirty = false;
      const channels = [...this.local];
      try {
        const firsts = (await connection.run('occupancy restore', (redis) =>
          restoreScript.run(redis, [this.prefix(), nodeId, this.liveness.nodeTimeout, ...channels]),
        )) as string[];
        logger.info('occupancy restored in redis', { channels: channels.length, firsts: firsts.length });
      } catch (error) {
        this.dirty = true;
        throw error;
      }
    }
  }

  private prefix(): string {
    return this.deps.connection.key();
  }
}
