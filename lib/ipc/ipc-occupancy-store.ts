import type { OccupancyStore, Resumption } from '../occupancy/occupancy-store.js';
import type { Link } from './link.js';
import type { RpcClient } from './rpc.js';

/**
 * A worker's channel occupancy when several workers share one machine without Redis: kept by
 * the primary (occupancy-host.ts) over every worker, so that webhooks say "occupied" once for the
 * machine, and a dead worker's channels are reported vacated by one live worker (`onReaped`).
 */
export class IpcOccupancyStore implements OccupancyStore {
  private readonly listeners = new Set<(channels: string[]) => void>();
  private readonly removeListener: () => void;

  constructor(
    link: Link,
    private readonly rpc: RpcClient,
  ) {
    this.removeListener = link.onMessage((message) => {
      if (message.kind !== 'occupancy-reaped') return;
      for (const listener of this.listeners) listener(message.channels);
    });
  }

  occupy(channel: string, delayMs: number): Promise<Resumption | 'none'> {
    return this.rpc.call('occupancy.occupy', channel, delayMs);
  }

  vacate(channel: string, token: string): Promise<boolean> {
    return this.rpc.call('occupancy.vacate', channel, token);
  }

  markRemoval(marker: string, token: string): Promise<void> {
    return this.rpc.call('occupancy.markRemoval', marker, token);
  }

  resume(marker: string, delayMs: number): Promise<Resumption> {
    return this.rpc.call('occupancy.resume', marker, delayMs);
  }

  confirmRemoval(marker: string, token: string): Promise<boolean> {
    return this.rpc.call('occupancy.confirmRemoval', marker, token);
  }

  onReaped(listener: (channels: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.removeListener();
  }
}
