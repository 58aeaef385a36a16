import type { OnFull } from './channel-rule.js';
import { checkClaim, type ClaimResult, type ExclusiveChannelStore } from './exclusive-channel-store.js';

/**
 * Places for one process. A channel's holders are a Set, whose insertion order is their age;
 * the channel's entry goes when its last holder does, so memory follows the live claims.
 */
export class MemoryExclusiveChannelStore implements ExclusiveChannelStore {
  private readonly channels = new Map<string, Set<string>>();

  /** `nodeId`: this process's node, whose claims {@link releaseNode} gives back. */
  constructor(private readonly nodeId: string) {}

  async claim(app: string, channel: string, subscriberId: string, limit: number, onFull: OnFull): Promise<ClaimResult> {
    checkClaim(subscriberId, limit);
    const key = keyOf(app, channel);
    const holders = this.channels.get(key) ?? new Set<string>();
    if (holders.has(subscriberId)) return { admitted: true, evicted: [] };
    const evicted: string[] = [];
    if (holders.size >= limit) {
      if (onFull !== 'replace') return { admitted: false, evicted };
      for (const holder of holders) {
        if (holders.size - evicted.length < limit) break;
        evicted.push(holder);
      }
      for (const holder of evicted) holders.delete(holder);
    }
    holders.add(subscriberId);
    this.channels.set(key, holders);
    return { admitted: true, evicted };
  }

  async release(app: string, channel: string, subscriberId: string): Promise<void> {
    const key = keyOf(app, channel);
    const holders = this.channels.get(key);
    if (holders === undefined) return;
    holders.delete(subscriberId);
    if (holders.size === 0) this.channels.delete(key);
  }

  async holders(app: string, channel: string): Promise<string[]> {
    return [...(this.channels.get(keyOf(app, channel)) ?? [])];
  }

  async releaseNode(nodeId: string): Promise<number> {
    if (nodeId !== this.nodeId) return 0;
    let released = 0;
    for (const holders of this.channels.values()) released += holders.size;
    this.channels.clear();
    return released;
  }

  async close(): Promise<void> {
    this.channels.clear();
  }

  /** Channels with at least one holder (tests check that memory is given back). */
  size(): number {
    return this.channels.size;
  }
}

function keyOf(app: string, channel: string): string {
  // Neither an app id nor a channel name can hold a newline, so the pair is unambiguous.
  return `${app}\n${channel}`;
}
