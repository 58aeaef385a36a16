import type { ChannelTotal, SubscriberCountStore } from '../counts/subscriber-count-store.js';
import type { Link } from './link.js';
import type { RpcClient } from './rpc.js';

/**
 * A worker's subscriber counts when several workers share one machine without Redis: kept by the
 * primary (count-host.ts) over every worker, so that a channel's count is the machine's, and a
 * dead worker's counts are dropped and the totals reported to one live worker (`onChanged`).
 */
export class IpcSubscriberCountStore implements SubscriberCountStore {
  private readonly listeners = new Set<(totals: ChannelTotal[]) => void>();
  private readonly removeListener: () => void;

  constructor(
    link: Link,
    private readonly rpc: RpcClient,
  ) {
    this.removeListener = link.onMessage((message) => {
      if (message.kind !== 'counts-changed') return;
      for (const listener of this.listeners) listener(message.totals);
    });
  }

  set(channel: string, local: number): Promise<ChannelTotal> {
    return this.rpc.call('counts.set', channel, local);
  }

  onChanged(listener: (totals: ChannelTotal[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.removeListener();
  }
}
