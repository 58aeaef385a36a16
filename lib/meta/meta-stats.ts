import type { NodeView } from '../nodes/node-registry.js';
import type { ChannelKind } from '../channels/channel-policy.js';

/**
 * Meta channels (Pandapush's): every few seconds each app's private `meta-stats` channel gets
 * the app's connection, channel and event counts, so that an app can build its own dashboard
 * by subscribing like to any private channel. This module builds the payload; publishing it on
 * a timer is the server's.
 */

/** The channel the stats go to, in every app: private, so subscribing needs the app's signature. */
export const META_STATS_CHANNEL = 'private-meta-stats';
/** The event name: reserved (`pushy:`), so it never enters history and no backend can fake it. */
export const META_STATS_EVENT = 'pushy:meta-stats';
/** How often the stats are sent, in ms. */
export const META_STATS_INTERVAL_MS = 5000;

/** One node's counts for one app: the fields the node summary (`nodeView`) already keeps. */
export type MetaStatsSource = Pick<NodeView, 'subscriptions' | 'presenceMembers' | 'events'> & {
  connections: Pick<NodeView['connections'], 'total'>;
  channels: Pick<NodeView['channels'], 'total'> & { byKind: Partial<Record<ChannelKind, number>> };
};

/** What a `pushy:meta-stats` event carries. */
export interface MetaStatsPayload {
  app: string;
  /** When the counts were read, ms since the epoch. */
  at: number;
  /** Nodes the counts come from. */
  nodes: number;
  /** Open connections. */
  connections: number;
  /**
   * Channels with subscribers, by kind: each node counts its own, so a channel with subscribers
   * on two nodes counts twice.
   */
  channels: { total: number } & Record<ChannelKind, number>;
  subscriptions: number;
  presenceMembers: number;
  /**
   * Events published (`triggered`) and handed to subscribers (`delivered`) since the nodes
   * started, and per second since the previous payload (absent in the first).
   */
  events: { triggered: number; delivered: number; triggeredPerSecond?: number; deliveredPerSecond?: number };
}

/** What {@link buildMetaStats} reads. */
export interface MetaStatsInput {
  app: string;
  /** ms since the epoch. */
  at: number;
  /** The app's counts on every live node. */
  nodes: readonly MetaStatsSource[];
  /** The payload sent before, for the rates. */
  previous?: MetaStatsPayload;
}

/** Sums the nodes' counts into the payload of one app's `meta-stats` event. Pure. */
export function buildMetaStats(input: MetaStatsInput): MetaStatsPayload {
  const sum = (read: (node: MetaStatsSource) => number): number => input.nodes.reduce((total, node) => total + read(node), 0);
  const events: MetaStatsPayload['events'] = { triggered: sum((node) => node.events.triggered), delivered: sum((node) => node.events.delivered) };
  const previous = input.previous;
  if (previous !== undefined && input.at > previous.at) {
    const seconds = (input.at - previous.at) / 1000;
    events.triggeredPerSecond = rate(events.triggered - previous.events.triggered, seconds);
    events.deliveredPerSecond = rate(events.delivered - previous.events.delivered, seconds);
  }
  return {
    app: input.app,
    at: input.at,
    nodes: input.nodes.length,
    connections: sum((node) => node.connections.total),
    channels: {
      total: sum((node) => node.channels.total),
      public: sum((node) => node.channels.byKind.public ?? 0),
      private: sum((node) => node.channels.byKind.private ?? 0),
      presence: sum((node) => node.channels.byKind.presence ?? 0),
    },
    subscriptions: sum((node) => node.subscriptions),
    presenceMembers: sum((node) => node.presenceMembers),
    events,
  };
}

/** Per second, two decimals; a count that went down (a node restarted or left) gives 0, not a negative rate. */
function rate(delta: number, seconds: number): number {
  return delta <= 0 ? 0 : Math.round((delta / seconds) * 100) / 100;
}
