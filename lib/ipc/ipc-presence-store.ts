import type { JoinResult, LeaveResult, Member, PresenceChangeListener, PresenceStore } from '../presence/presence-store.js';
import type { Link } from './link.js';
import type { RpcClient } from './rpc.js';

/**
 * A worker's presence store when several workers share one machine without Redis: the members
 * live in the primary, so every worker sees the same members; when a worker dies, the primary
 * removes its members and hands the change to a live worker (`onChange`).
 */
export class IpcPresenceStore implements PresenceStore {
  /** This worker's joins: `channel \n memberKey` -> its connections, for {@link memberCount}. */
  private readonly local = new Map<string, Set<string>>();
  private readonly listeners = new Set<PresenceChangeListener>();
  private readonly removeListener: () => void;

  constructor(
    link: Link,
    private readonly rpc: RpcClient,
  ) {
    this.removeListener = link.onMessage((message) => {
      if (message.kind !== 'presence-change') return;
      for (const listener of this.listeners) listener(message.change as Parameters<PresenceChangeListener>[0]);
    });
  }

  async join(channel: string, memberKey: string, member: Member, connectionId: string): Promise<JoinResult> {
    const result = await this.rpc.call<JoinResult>('presence.join', channel, memberKey, member, connectionId);
    const key = `${channel}\n${memberKey}`;
    let connections = this.local.get(key);
    if (!connections) this.local.set(key, (connections = new Set()));
    connections.add(connectionId);
    return result;
  }

  async leave(channel: string, memberKey: string, connectionId: string): Promise<LeaveResult> {
    const result = await this.rpc.call<LeaveResult>('presence.leave', channel, memberKey, connectionId);
    const key = `${channel}\n${memberKey}`;
    const connections = this.local.get(key);
    if (connections?.delete(connectionId) && connections.size === 0) this.local.delete(key);
    // JSON has no undefined: a leave that found nothing comes back without `member`.
    return { last: result.last, member: result.member ?? undefined };
  }

  members(channel: string): Promise<Member[]> {
    return this.rpc.call<Member[]>('presence.members', channel);
  }

  memberCounts(channels: readonly string[]): Promise<number[]> {
    return this.rpc.call<number[]>('presence.memberCounts', channels);
  }

  /** Members with a connection on this worker. */
  memberCount(): number {
    return this.local.size;
  }

  onChange(listener: PresenceChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.removeListener();
    this.local.clear();
  }
}
