import { PushyError } from '../errors.js';
import { channelKind, type ChannelKind } from '../channels/channel-policy.js';
import type { ClusterChannels, NodeList } from '../nodes/node-registry.js';

/**
 * What the dashboard's tiles show: the whole cluster, so that they agree with the channel list
 * (which counts every node's subscribers) and sum up the nodes table (which shows each node).
 * With the memory adapter, or while Redis is away, the cluster is this node alone.
 */
export interface ClusterTotals {
  adapter: 'memory' | 'redis';
  /** With the Redis adapter: `down` when Redis did not answer and only this node is counted. */
  redis?: 'up' | 'down';
  /** Live nodes counted. */
  nodes: number;
  connections: number;
  byTransport: Record<string, number>;
  subscriptions: number;
  /** Channels with subscribers on any node (a channel on two nodes counts once). */
  channels: { total: number; byKind: Record<ChannelKind, number> };
  /** Members of every presence channel (a member with connections on two nodes counts once). */
  presenceMembers: number;
  events: { triggered: number; delivered: number };
}

/** Counts presence members per channel over every node (the channel manager's). */
export type MemberCounter = (channels: readonly string[]) => Promise<number[]>;

/** Sums the nodes' views and counts the cluster's channels and presence members. */
export async function clusterTotals(list: NodeList, channels: ClusterChannels, countMembers: MemberCounter): Promise<ClusterTotals> {
  const byTransport: Record<string, number> = {};
  let connections = 0;
  let subscriptions = 0;
  const events = { triggered: 0, delivered: 0 };
  for (const node of list.nodes) {
    connections += node.connections.total;
    for (const [transport, count] of Object.entries(node.connections.byTransport)) byTransport[transport] = (byTransport[transport] ?? 0) + count;
    subscriptions += node.subscriptions;
    events.triggered += node.events.triggered;
    events.delivered += node.events.delivered;
  }
  const byKind: Record<ChannelKind, number> = { public: 0, private: 0, presence: 0 };
  const presence: string[] = [];
  for (const name of channels.subscribers.keys()) {
    const kind = channelKind(name);
    byKind[kind] += 1;
    if (kind === 'presence') presence.push(name);
  }
  const counts = await memberCountsIfUp(countMembers, presence);
  // Without Redis the shared member lists cannot be read: each node's own count is what is known.
  const presenceMembers = counts ? counts.reduce((sum, n) => sum + n, 0) : list.nodes.reduce((sum, node) => sum + node.presenceMembers, 0);
  const down = list.redis === 'down' || channels.redis === 'down' || (presence.length > 0 && !counts);
  return {
    adapter: list.adapter,
    ...(list.adapter === 'redis' ? { redis: down ? 'down' : 'up' } : {}),
    nodes: list.nodes.length,
    connections,
    byTransport,
    subscriptions,
    channels: { total: channels.subscribers.size, byKind },
    presenceMembers,
    events,
  };
}

/** Member counts, or undefined while the store that holds them is unavailable. */
export async function memberCountsIfUp(countMembers: MemberCounter, channels: readonly string[]): Promise<number[] | undefined> {
  try {
    return await countMembers(channels);
  } catch (error) {
    if (error instanceof PushyError && error.errorName === 'UNAVAILABLE') return undefined;
    throw error;
  }
}
