import type { BrokerShardState } from '../broker/broker.js';

/** Connection counts of one node. */
export interface ConnectionCounts {
  total: number;
  byTransport: Record<string, number>;
  /** Opened since start. */
  opened: number;
}

/** What the admin API says about one node. */
export interface NodeView {
  nodeId: string;
  /** This is the node that answered. */
  self: boolean;
  /** Machine and process it runs as. */
  host: string;
  pid: number;
  startedAt: number;
  /** When these counts were read, ms epoch (the node's clock): a peer's are up to a heartbeat old. */
  updatedAt: number;
  uptime: number;
  broker: { ready: boolean; state: string; shards?: BrokerShardState[] };
  connections: ConnectionCounts;
  channels: { total: number; byKind: Record<string, number> };
  subscriptions: number;
  presenceMembers: number;
  events: { triggered: number; delivered: number };
  frames: { in: number; out: number };
  errors: { socket: Record<string, number>; http: Record<string, number> };
}

/** What the admin API says about the nodes of a cluster. */
export interface NodeList {
  /** Which adapter the nodes share. */
  adapter: 'memory' | 'redis';
  /** With the Redis adapter: whether Redis answered (when `down`, `nodes` holds only this node). */
  redis?: 'up' | 'down';
  /** Every live node, this one (`self: true`) first, the others oldest first. */
  nodes: NodeView[];
}

/** Subscribers per channel over the whole cluster, for the admin channel list. */
export interface ClusterChannels {
  adapter: 'memory' | 'redis';
  /** With the Redis adapter: whether Redis answered (when `down`, only this node's channels count). */
  redis?: 'up' | 'down';
  /** channel -> subscribers on every live node: this node's now, its peers' as of their last heartbeat. */
  subscribers: Map<string, number>;
}

/**
 * A node's subscribers per channel, by channel key (`channelKey(app, channel)`: a default-app
 * channel by its name); channels without local subscribers are left out.
 */
export type LocalChannels = () => ReadonlyMap<string, number>;

/**
 * Where nodes tell each other what they are doing, for the admin API's cluster and per-node
 * views. Each node publishes its own view and its subscribers per channel now and then; a node
 * that stops publishing drops out.
 */
export interface NodeRegistry {
  /**
   * Starts publishing this node's view and channels, read from `view` and `channels` each time.
   * Call once, when listening.
   */
  start(view: () => NodeView, channels: LocalChannels): void;
  /** Every live node. `self` is this node's view as of now: it replaces its own published one. */
  list(self: NodeView): Promise<NodeList>;
  /**
   * Subscribers per channel of `app` (default: the default app) over every live node; `self`
   * (this node's channels of that app, now, by name) replaces its published ones.
   */
  channels(self: ReadonlyMap<string, number>, app?: string): Promise<ClusterChannels>;
  /** Stops publishing and removes this node from the list at once. */
  close(): Promise<void>;
}

/** One process, no peers: the list is this node alone. */
export class MemoryNodeRegistry implements NodeRegistry {
  start(): void {}

  async list(self: NodeView): Promise<NodeList> {
    return { adapter: 'memory', nodes: [self] };
  }

  async channels(self: ReadonlyMap<string, number>): Promise<ClusterChannels> {
    return { adapter: 'memory', subscribers: new Map(self) };
  }

  async close(): Promise<void> {}
}
