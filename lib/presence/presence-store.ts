/** A presence member as clients see it. */
export interface Member {
  [field: string]: unknown;
  memberId: string;
  /** When the member joined, ms epoch. */
  subscribed: number;
  idle: false;
}

/** Result of adding a connection to a member. */
export interface JoinResult {
  /** This was the member's first connection on the channel. */
  first: boolean;
  /** Every member of the channel, the new one included. */
  members: Member[];
}

/** Result of removing a connection from a member. */
export interface LeaveResult {
  /** This was the member's last connection on the channel. */
  last: boolean;
  /** The member as others know it. */
  member: Member | undefined;
}

/**
 * A change of membership that the store found by itself rather than through this node's
 * join/leave: a dead node's members reaped, or this node's presence resynced after a Redis
 * outage. The channel core publishes it as a member added or removed.
 */
export interface PresenceChange {
  /** The channel's key (`apps/namespace.ts`). */
  channel: string;
  kind: 'add' | 'quit';
  member: Member;
}

/** Listener for {@link PresenceChange}s. */
export type PresenceChangeListener = (change: PresenceChange) => void;

/**
 * Who is on each presence channel. A member (keyed by its user id, or by its subscription when
 * it has none) may have several connections; it joins with the first and quits with the last.
 * Channels are named by their key (`apps/namespace.ts`), so each app has its own.
 */
export interface PresenceStore {
  join(channel: string, memberKey: string, member: Member, connectionId: string): Promise<JoinResult>;
  leave(channel: string, memberKey: string, connectionId: string): Promise<LeaveResult>;
  members(channel: string): Promise<Member[]>;
  /** How many members each channel has (every node's), in the order asked; for the admin views. */
  memberCounts(channels: readonly string[]): Promise<number[]>;
  /** Members across all channels (leak checks, metrics); a shared store counts this node's. */
  memberCount(): number;
  /**
   * Stores shared by several nodes report changes nobody on this node joined or left for
   * (see {@link PresenceChange}). Returns the listener's remover.
   */
  onChange?(listener: PresenceChangeListener): () => void;
  close(): Promise<void>;
}

interface MemberEntry {
  member: Member;
  connections: Set<string>;
}

/** Presence for one process. */
export class MemoryPresenceStore implements PresenceStore {
  private readonly channels = new Map<string, Map<string, MemberEntry>>();

  async join(channel: string, memberKey: string, member: Member, connectionId: string): Promise<JoinResult> {
    let roster = this.channels.get(channel);
    if (!roster) {
      roster = new Map();
      this.channels.set(channel, roster);
    }
    let entry = roster.get(memberKey);
    const first = !entry;
    if (!entry) {
      entry = { member, connections: new Set() };
      roster.set(memberKey, entry);
    }
    entry.connections.add(connectionId);
    return { first, members: [...roster.values()].map((e) => e.member) };
  }

  async leave(channel: string, memberKey: string, connectionId: string): Promise<LeaveResult> {
    const roster = this.channels.get(channel);
    const entry = roster?.get(memberKey);
    if (!roster || !entry || !entry.connections.delete(connectionId)) return { last: false, member: undefined };
    if (entry.connections.size > 0) return { last: false, member: entry.member };
    roster.delete(memberKey);
    if (roster.size === 0) this.channels.delete(channel);
    return { last: true, member: entry.member };
  }

  async members(channel: string): Promise<Member[]> {
    return [...(this.channels.get(channel)?.values() ?? [])].map((e) => e.member);
  }

  async memberCounts(channels: readonly string[]): Promise<number[]> {
    return channels.map((channel) => this.channels.get(channel)?.size ?? 0);
  }

  memberCount(): number {
    let count = 0;
    for (const roster of this.channels.values()) count += roster.size;
    return count;
  }

  async close(): Promise<void> {
    this.channels.clear();
  }
}
