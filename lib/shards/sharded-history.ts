import type { HistoryQuery, HistoryRead, HistoryStore, StreamPosition } from '../history/history-store.js';
import type { Retention } from '../history/retention.js';
import type { IdempotencyClaim, IdempotencyStore } from '../history/idempotency-store.js';
import type { Sharded } from './sharded.js';

/**
 * History over several Redis shards: a channel's offsets and events live on the shard that
 * holds the channel, beside its pub/sub, so one trigger touches one Redis.
 */
export class ShardedHistoryStore implements HistoryStore {
  constructor(private readonly shards: Sharded<HistoryStore>) {}

  append(channel: string, event: { event: string; data: unknown }, retention: Retention): Promise<StreamPosition> {
    return this.shards.of(channel).append(channel, event, retention);
  }

  read(channel: string, retention: Retention, query?: HistoryQuery): Promise<HistoryRead> {
    return this.shards.of(channel).read(channel, retention, query);
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.parts.map((store) => store.close()));
  }
}

/** Trigger idempotency keys over several Redis shards, on the shard of their channel. */
export class ShardedIdempotencyStore implements IdempotencyStore {
  constructor(private readonly shards: Sharded<IdempotencyStore>) {}

  claim(channel: string, key: string): Promise<IdempotencyClaim> {
    return this.shards.of(channel).claim(channel, key);
  }

  complete(channel: string, key: string, status: number): Promise<void> {
    return this.shards.of(channel).complete(channel, key, status);
  }

  release(channel: string, key: string): Promise<void> {
    return this.shards.of(channel).release(channel, key);
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.parts.map((store) => store.close()));
  }
}
