import { hostname } from 'node:os';
import type { Broker } from '../broker/broker.js';
import type { ChannelManager } from '../channels/channel-manager.js';
import type { OpenConnections } from '../stats/connections.js';
import type { ConnectionCounts, NodeView } from '../nodes/node-registry.js';
import type { TrafficCounters } from '../stats/traffic.js';

/** What a node summary is read from. */
export interface NodeViewDeps {
  broker: Broker;
  channels: ChannelManager;
  connections: OpenConnections;
  traffic: TrafficCounters;
  /** When this server was created, ms epoch. */
  startedAt: number;
  now?: () => number;
}

/** Connection counts, by SockJS transport. */
export function connectionCounts(deps: Pick<NodeViewDeps, 'connections' | 'traffic'>): ConnectionCounts {
  const byTransport: Record<string, number> = {};
  let total = 0;
  for (const connection of deps.connections()) {
    byTransport[connection.protocol] = (byTransport[connection.protocol] ?? 0) + 1;
    total += 1;
  }
  return { total, byTransport, opened: deps.traffic.connectionsOpened };
}

/** This node's counts, as the admin API and dashboard show them. */
export function nodeView(deps: NodeViewDeps): NodeView {
  const { broker, channels, traffic } = deps;
  const stats = channels.stats();
  const now = (deps.now ?? Date.now)();
  return {
    nodeId: broker.nodeId,
    self: true,
    host: hostname(),
    pid: process.pid,
    startedAt: deps.startedAt,
    updatedAt: now,
    uptime: Math.round((now - deps.startedAt) / 1000),
    broker: { ready: broker.isReady(), state: broker.state, ...(broker.shardStates ? { shards: broker.shardStates() } : {}) },
    connections: connectionCounts(deps),
    channels: { total: stats.channels, byKind: stats.byKind },
    subscriptions: stats.subscriptions,
    presenceMembers: stats.members,
    events: { triggered: traffic.eventsTriggered, delivered: traffic.eventsDelivered },
    frames: { in: traffic.framesIn, out: traffic.framesOut },
    errors: { socket: Object.fromEntries(traffic.errors.socket), http: Object.fromEntries(traffic.errors.http) },
  };
}
