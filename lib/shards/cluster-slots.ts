/** Hash slots of a Redis Cluster. */
export const CLUSTER_SLOTS = 16384;

/**
 * How many slot groups Pushy spreads channels over on a Redis Cluster: each group is one hash
 * slot, so at most this many primaries carry channels. Every group costs one heartbeat per node
 * per `adapter.heartbeatInterval`.
 */
export const CLUSTER_GROUPS = 16;

/** The slot Redis Cluster gives a key: CRC16 (XMODEM) of its hash tag, or of the whole key without one. */
export function keySlot(key: string): number {
  let hashed = key;
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) hashed = key.slice(open + 1, close);
  }
  return crc16(Buffer.from(hashed, 'utf8')) % CLUSTER_SLOTS;
}

/**
 * `count` short hash tags, the k-th in the k-th equal part of the slot space. Slots are handed
 * out to primaries in contiguous ranges (as `redis-cli --cluster create` and rebalancing do),
 * so evenly spaced groups spread channels evenly over the primaries.
 */
export function slotGroupTags(count = CLUSTER_GROUPS): string[] {
  const width = CLUSTER_SLOTS / count;
  const tags: Array<string | undefined> = new Array(count).fill(undefined);
  let missing = count;
  for (let n = 0; missing > 0; n += 1) {
    const tag = `pushy-${n}`;
    const group = Math.floor(keySlot(tag) / width);
    if (tags[group] !== undefined) continue;
    tags[group] = tag;
    missing -= 1;
  }
  return tags as string[];
}

function crc16(bytes: Buffer): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}
