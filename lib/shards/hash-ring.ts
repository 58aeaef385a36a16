import { createHash } from 'node:crypto';

/** Points each shard puts on the ring: enough that shares stay within a few percent of even. */
export const VIRTUAL_NODES = 160;

/**
 * Consistent hashing of channel keys onto shards. Each shard, named by a stable id (its
 * address, not its position in the list), puts {@link VIRTUAL_NODES} points on a 32-bit ring;
 * a key belongs to the first point at or after its own hash. Adding a shard moves only the
 * keys that now fall before its points (about 1/n of them), all to the new shard; removing one
 * moves only its own keys. Every node with the same shard list computes the same assignment.
 */
export class HashRing {
  private readonly points: number[] = [];
  private readonly owners: number[] = [];

  /** `ids`: one stable, distinct name per shard; lookups answer an index into this list. */
  constructor(readonly ids: readonly string[]) {
    if (ids.length === 0) throw new Error('a hash ring needs at least one shard');
    if (new Set(ids).size !== ids.length) throw new Error('shard ids must be distinct');
    const entries: Array<[point: number, owner: number]> = [];
    ids.forEach((id, owner) => {
      for (let v = 0; v < VIRTUAL_NODES; v += 1) entries.push([hash32(`${id}#${v}`), owner]);
    });
    // Ties (astronomically rare) go to the lower id, the same on every node.
    entries.sort((a, b) => a[0] - b[0] || ids[a[1]]!.localeCompare(ids[b[1]]!));
    for (const [point, owner] of entries) {
      this.points.push(point);
      this.owners.push(owner);
    }
  }

  /** Index of the shard that holds `key`. */
  shardOf(key: string): number {
    const h = hash32(key);
    let low = 0;
    let high = this.points.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.points[mid]! < h) low = mid + 1;
      else high = mid;
    }
    return this.owners[low === this.points.length ? 0 : low]!;
  }
}

/** The first 32 bits of the key's MD5: fast, well spread, and the same in every process. */
function hash32(text: string): number {
  return createHash('md5').update(text).digest().readUInt32BE(0);
}
