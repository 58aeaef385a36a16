import { expect } from 'chai';
import { HashRing } from '../../../lib/shards/hash-ring.js';

const KEYS = Array.from({ length: 20000 }, (_, i) => `app-${i % 7}\u0000channel-${i}`);

describe('HashRing (consistent hashing of channels onto shards)', () => {
  it('spreads channels over the shards roughly evenly', () => {
    const ring = new HashRing(['redis-a:6379', 'redis-b:6379', 'redis-c:6379']);
    const counts = [0, 0, 0];
    for (const key of KEYS) counts[ring.shardOf(key)]! += 1;
    for (const count of counts) expect(count).to.be.within(KEYS.length / 3 * 0.8, KEYS.length / 3 * 1.2);
  });

  it('adding a shard moves only its share, and only to it', () => {
    const before = new HashRing(['redis-a:6379', 'redis-b:6379', 'redis-c:6379']);
    const after = new HashRing(['redis-a:6379', 'redis-b:6379', 'redis-c:6379', 'redis-d:6379']);
    let moved = 0;
    for (const key of KEYS) {
      const [was, is] = [before.shardOf(key), after.shardOf(key)];
      if (was === is) continue;
      expect(is, key).to.equal(3);
      moved += 1;
    }
    expect(moved).to.be.within(KEYS.length / 4 * 0.8, KEYS.length / 4 * 1.2);
  });

  it('assigns by shard id, not list position, and the same on every node', () => {
    const ring = new HashRing(['redis-a:6379', 'redis-b:6379']);
    const reversed = new HashRing(['redis-b:6379', 'redis-a:6379']);
    for (const key of KEYS.slice(0, 2000)) expect(reversed.ids[reversed.shardOf(key)]).to.equal(ring.ids[ring.shardOf(key)]);
  });

  it('refuses an empty or duplicated shard list', () => {
    expect(() => new HashRing([])).to.throw(/at least one/);
    expect(() => new HashRing(['a', 'a'])).to.throw(/distinct/);
  });
});
