import { channelKey } from '../../apps/namespace.js';
import type { ChannelManager } from '../../channels/channel-manager.js';
import type { NodeRegistry } from '../../nodes/node-registry.js';
import type { Member, PresenceStore } from '../../presence/presence-store.js';

/** What {@link ChannelCounts} reads. */
export interface ChannelCountsDeps {
  channels: ChannelManager;
  /** Every node's subscribers per channel (with Redis: each node's hash, refreshed on its heartbeat). */
  nodes: NodeRegistry;
  /** Presence members, cluster-wide with Redis. */
  presence: PresenceStore;
}

/**
 * Cluster-wide counts of an app's channels, without scanning Redis: subscribers come from the
 * node registry (one hash per live node, this node's own counts live), members from the
 * presence store (one count per channel asked).
 */
export class ChannelCounts {
  constructor(private readonly deps: ChannelCountsDeps) {}

  /** Subscribers per occupied channel of `app`, over every live node. */
  async subscriptions(app: string): Promise<Map<string, number>> {
    const { subscribers } = await this.deps.nodes.channels(this.deps.channels.localSubscriberCounts(app), app);
    return subscribers;
  }

  /** Presence members of each of `channels` (of `app`), in that order. */
  userCounts(app: string, channels: readonly string[]): Promise<number[]> {
    if (channels.length === 0) return Promise.resolve([]);
    return this.deps.presence.memberCounts(channels.map((channel) => channelKey(app, channel)));
  }

  /** The user ids on a presence channel, each once. */
  async users(app: string, channel: string): Promise<string[]> {
    const members = await this.deps.presence.members(channelKey(app, channel));
    return [...new Set(members.map(userIdOf))];
  }
}

/** A member's user id: its `id` (native presence data; the Pusher front end's `user_id`), else its member id. */
function userIdOf(member: Member): string {
  const record = member as Member & { id?: unknown; user_id?: unknown };
  for (const value of [record.id, record.user_id]) {
    if (typeof value === 'string' || typeof value === 'number') return String(value);
  }
  return member.memberId;
}
