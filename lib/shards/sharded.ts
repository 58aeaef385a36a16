import { HashRing } from './hash-ring.js';

/**
 * One part (a broker, a store) per Redis shard, and which one holds a channel: the shard the
 * {@link HashRing} assigns its channel key (`channelKey(app, channel)`). Every node builds the
 * same ring from the same shard list, so they agree on where each channel lives.
 */
export class Sharded<T> {
  private readonly ring: HashRing;

  /** `ids[i]` names `parts[i]`'s shard (a stable address, see {@link HashRing}). */
  constructor(
    ids: readonly string[],
    readonly parts: readonly T[],
  ) {
    if (ids.length !== parts.length) throw new Error('one shard id per part');
    this.ring = new HashRing(ids);
  }

  /** The shard ids, in the configured order. */
  get ids(): readonly string[] {
    return this.ring.ids;
  }

  /** The part on the shard that holds this channel key. */
  of(channelKey: string): T {
    return this.parts[this.ring.shardOf(channelKey)]!;
  }

  /** Calls `work` once per shard with the keys that live there, in parallel, and puts the answers back in key order. */
  async grouped<R>(keys: readonly string[], work: (part: T, keys: string[]) => Promise<R[]>): Promise<R[]> {
    const groups = new Map<number, number[]>();
    keys.forEach((key, index) => {
      const shard = this.ring.shardOf(key);
      const group = groups.get(shard) ?? [];
      group.push(index);
      groups.set(shard, group);
    });
    const answers = new Array<R>(keys.length);
    await Promise.all(
      [...groups].map(async ([shard, indexes]) => {
        const results = await work(this.parts[shard]!, indexes.map((i) => keys[i]!));
        indexes.forEach((keyIndex, i) => (answers[keyIndex] = results[i]!));
      }),
    );
    return answers;
  }
}
