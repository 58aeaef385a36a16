import type { ChannelTotal } from '../counts/subscriber-count-store.js';
import type { Link } from './link.js';
import type { RpcHandler } from './rpc.js';

/**
 * The primary's subscriber counts for its workers: each worker's count per channel, summed over
 * all of them, each total with a growing version. When a worker dies its counts go, and the new
 * totals are reported to one live worker, as a Redis node that reaps a dead one does.
 */
export class CountHost {
  /** channel -> worker -> that worker's subscribers (> 0). */
  private readonly counts = new Map<string, Map<number, number>>();
  private version = 0;

  constructor(private readonly links: () => ReadonlyMap<number, Link>) {}

  /** The operations workers call (see `IpcSubscriberCountStore`). */
  handlers(): Record<string, RpcHandler> {
    return { 'counts.set': async (worker: number, channel: string, local: number) => this.set(worker, channel, local) };
  }

  /** A worker is gone: its counts go, and the new totals are reported to one live worker. */
  dropWorker(worker: number): void {
    const changed: ChannelTotal[] = [];
    for (const [channel, workers] of this.counts) {
      if (workers.has(worker)) changed.push(this.set(worker, channel, 0));
    }
    if (changed.length === 0) return;
    for (const link of this.links().values()) {
      if (!link.connected) continue;
      link.send({ kind: 'counts-changed', totals: changed });
      return;
    }
  }

  private set(worker: number, channel: string, local: number): ChannelTotal {
    let workers = this.counts.get(channel);
    if (local > 0) {
      if (!workers) this.counts.set(channel, (workers = new Map()));
      workers.set(worker, local);
    } else if (workers?.delete(worker) && workers.size === 0) {
      this.counts.delete(channel);
    }
    let total = 0;
    for (const count of workers?.values() ?? []) total += count;
    this.version += 1;
    return { channel, total, version: this.version };
  }
}
