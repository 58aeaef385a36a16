import type { Member } from '../presence/presence-store.js';

/**
 * Moments of the channel core that parts above it (webhooks) follow, without the core knowing
 * them. Each is called synchronously, in the order the moments happen on this node, and must
 * not throw; whatever a listener does with it happens outside the core's own work.
 */
export interface ChannelHooks {
  /** This node's first subscriber of the channel arrived. */
  channelOpened?(app: string, channel: string): void;
  /** This node's last subscriber of the channel left. */
  channelClosed?(app: string, channel: string): void;
  /**
   * A member joined a presence channel with its first connection anywhere in the cluster (or a
   * shared store put it back), reported on one node.
   */
  memberAdded?(app: string, channel: string, member: Member): void;
  /** A member's last connection anywhere left (or a dead node's member was reaped), reported on one node. */
  memberRemoved?(app: string, channel: string, member: Member): void;
}
