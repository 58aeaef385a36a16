import type { ChannelTotal, SubscriberCountStore } from '../counts/subscriber-count-store.js';
import type { Sharded } from './sharded.js';

/** Subscriber counts over several Redis shards: each channel's counts live on the shard that holds the channel. */
export class ShardedSubscriberCountStore implements SubscriberCountStore {
  constructor(private readonly shards: Sharded<SubscriberCountStore>) {}

  set(channel: string, local: number): Promise<ChannelTotal> {
    return this.shards.of(channel).set(channel, local);
  }

  onChanged(listener: (totals: ChannelTotal[]) => void): () => void {
    const removers = this.shards.parts.map((store) => store.onChanged?.(listener));
    return () => {
      for (const remove of removers) remove?.();
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.parts.map((store) => store.close()));
  }
}
