import type { JoinResult, LeaveResult, Member, PresenceChangeListener, PresenceStore } from '../presence/presence-store.js';
import type { Sharded } from './sharded.js';

/** Presence over several Redis shards: each channel's members live on the shard that holds the channel. */
export class ShardedPresenceStore implements PresenceStore {
  constructor(private readonly shards: Sharded<PresenceStore>) {}

  join(channel: string, memberKey: string, member: Member, connectionId: string): Promise<JoinResult> {
    return this.shards.of(channel).join(channel, memberKey, member, connectionId);
  }

  leave(channel: string, memberKey: string, connectionId: string): Promise<LeaveResult> {
    return this.shards.of(channel).leave(channel, memberKey, connectionId);
  }

  members(channel: string): Promise<Member[]> {
    return this.shards.of(channel).members(channel);
  }

  memberCounts(channels: readonly string[]): Promise<number[]> {
    return this.shards.grouped(channels, (store, keys) => store.memberCounts(keys));
  }

  memberCount(): number {
    return this.shards.parts.reduce((sum, store) => sum + store.memberCount(), 0);
  }

  onChange(listener: PresenceChangeListener): () => void {
    const removers = this.shards.parts.map((store) => store.onChange?.(listener));
    return () => {
      for (const remove of removers) remove?.();
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.parts.map((store) => store.close()));
  }
}
