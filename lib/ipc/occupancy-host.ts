import { randomUUID } from 'node:crypto';
import { channelMarker, MemoryOccupancyStore, type Resumption } from '../occupancy/occupancy-store.js';
import type { Link } from './link.js';
import type { RpcHandler } from './rpc.js';

/**
 * The primary's channel occupancy for its workers: which workers have subscribers on each
 * channel, so that "first in the cluster" and "last out" are decided over all of them (the
 * removal markers live in one memory store). When a worker dies, the channels it alone occupied
 * are empty: one live worker is told, as a Redis node that reaps a dead one is.
 */
export class OccupancyHost {
  private readonly store: MemoryOccupancyStore;
  /** channel -> workers with subscribers on it. */
  private readonly occupants = new Map<string, Set<number>>();

  constructor(
    private readonly links: () => ReadonlyMap<number, Link>,
    now: () => number = Date.now,
  ) {
    this.store = new MemoryOccupancyStore(now);
  }

  /** The operations workers call (see `IpcOccupancyStore`). */
  handlers(): Record<string, RpcHandler> {
    return {
      'occupancy.occupy': (worker: number, channel: string, delayMs: number) => this.occupy(worker, channel, delayMs),
      'occupancy.vacate': (worker: number, channel: string, token: string) => this.vacate(worker, channel, token),
      'occupancy.markRemoval': (_worker: number, marker: string, token: string) => this.store.markRemoval(marker, token),
      'occupancy.resume': (_worker: number, marker: string, delayMs: number) => this.store.resume(marker, delayMs),
      'occupancy.confirmRemoval': (_worker: number, marker: string, token: string) => this.store.confirmRemoval(marker, token),
    };
  }

  private async occupy(worker: number, channel: string, delayMs: number): Promise<Resumption | 'none'> {
    let workers = this.occupants.get(channel);
    if (!workers) this.occupants.set(channel, (workers = new Set()));
    const first = workers.size === 0;
    workers.add(worker);
    return first ? this.store.occupy(channel, delayMs) : 'none';
  }

  private async vacate(worker: number, channel: string, token: string): Promise<boolean> {
    const workers = this.occupants.get(channel);
    if (!workers?.delete(worker) || workers.size > 0) return false;
    this.occupants.delete(channel);
    return this.store.vacate(channel, token);
  }

  /** A worker is gone: the channels only it occupied are empty now, reported to one live worker. */
  async dropWorker(worker: number): Promise<void> {
    const emptied: string[] = [];
    for (const [channel, workers] of this.occupants) {
      if (!workers.has(worker)) continue;
      const token = randomUUID();
      if (!(await this.vacate(worker, channel, token))) continue;
      // Reported now, not after a removal delay: the worker's death was the delay.
      await this.store.confirmRemoval(channelMarker(channel), token);
      emptied.push(channel);
    }
    if (emptied.length === 0) return;
    for (const link of this.links().values()) {
      if (!link.connected) continue;
      link.send({ kind: 'occupancy-reaped', channels: emptied });
      return;
    }
  }
}
