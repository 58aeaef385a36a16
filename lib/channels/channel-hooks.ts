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
  /**
   * This node's subscribers of the channel are `count` now (a subscribe's once the broker
   * carries the channel here, an unsubscribe's at once). Several changes may be told with the
   * same count: the number is what counts.
   */
  subscribersChanged?(app: string, channel: string, count: number): void;
}

/** Hooks that tell every one of `all` each moment, in the order given. */
export function combineHooks(...all: ChannelHooks[]): ChannelHooks {
  return {
    channelOpened: (app, channel) => all.forEach((hooks) => hooks.channelOpened?.(app, channel)),
    channelClosed: (app, channel) => all.forEach((hooks) => hooks.channelClosed?.(app, channel)),
    memberAdded: (app, channel, member) => all.forEach((hooks) => hooks.memberAdded?.(app, channel, member)),
    memberRemoved: (app, channel, member) => all.forEach((hooks) => hooks.memberRemoved?.(app, channel, member)),
    subscribersChanged: (app, channel, count) => all.forEach((hooks) => hooks.subscribersChanged?.(app, channel, count)),
  };
}
