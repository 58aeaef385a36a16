import type { Member, PresenceChange, PresenceStore } from '../presence/presence-store.js';
import type { Link } from './link.js';
import type { RpcHandler } from './rpc.js';

/**
 * The primary's presence: one store for every worker (the memory store), and who joined from
 * which worker, so that when a worker dies its members leave, and the other members hear it
 * (through one live worker, which publishes the change as a member removed).
 */
export class PresenceHost {
  /** worker -> `channel \n memberKey \n connectionId` of each of its joins. */
  private readonly joins = new Map<number, Set<string>>();

  constructor(
    private readonly store: PresenceStore,
    private readonly links: () => ReadonlyMap<number, Link>,
  ) {}

  /** The operations workers call (see `IpcPresenceStore`). */
  handlers(): Record<string, RpcHandler> {
    return {
      'presence.join': async (worker: number, channel: string, memberKey: string, member: Member, connectionId: string) => {
        const result = await this.store.join(channel, memberKey, member, connectionId);
        this.joinsOf(worker).add(joinKey(channel, memberKey, connectionId));
        return result;
      },
      'presence.leave': async (worker: number, channel: string, memberKey: string, connectionId: string) => {
        this.joins.get(worker)?.delete(joinKey(channel, memberKey, connectionId));
        return this.store.leave(channel, memberKey, connectionId);
      },
      'presence.members': (_worker: number, channel: string) => this.store.members(channel),
      'presence.memberCounts': (_worker: number, channels: string[]) => this.store.memberCounts(channels),
    };
  }

  /** A worker is gone: its connections leave, and each member that had no other is announced. */
  async dropWorker(worker: number): Promise<void> {
    const joins = this.joins.get(worker);
    this.joins.delete(worker);
    for (const key of joins ?? []) {
      const [channel, memberKey, connectionId] = key.split('\n') as [string, string, string];
      const left = await this.store.leave(channel, memberKey, connectionId);
      if (left.last && left.member) this.announce({ channel, kind: 'quit', member: left.member });
    }
  }

  private announce(change: PresenceChange): void {
    // One worker publishes it, through the broker, to every worker with subscribers.
    for (const link of this.links().values()) {
      if (!link.connected) continue;
      link.send({ kind: 'presence-change', change });
      return;
    }
  }

  private joinsOf(worker: number): Set<string> {
    let joins = this.joins.get(worker);
    if (!joins) this.joins.set(worker, (joins = new Set()));
    return joins;
  }
}

// Channel names and member keys never hold a newline (channel names are checked; member keys
// are ids the channel core makes), so it separates the parts.
function joinKey(channel: string, memberKey: string, connectionId: string): string {
  return `${channel}\n${memberKey}\n${connectionId}`;
}
