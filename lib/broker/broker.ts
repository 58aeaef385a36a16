import type { Member } from '../presence/presence-store.js';

/**
 * The one scaling seam: how an event published on one node reaches the subscribers on every
 * node. The memory broker serves one process; the Redis broker many. Messages are protocol
 * neutral: each front end encodes them for its own sockets.
 */

/** An event for the subscribers of one channel, wherever they are connected. */
export interface ChannelEventMessage {
  type: 'event';
  /** The app (namespace) of the channel; absent: the default app. */
  app?: string;
  channel: string;
  event: string;
  data: unknown;
  /** Connection that must not receive it (the trigger's `socket_id`). */
  excludeSocketId?: string;
  /** The signed-in user who sent it, on a client event of a presence channel (Pusher's `user_id`). */
  userId?: string;
  /** Position in the channel's history, assigned once on the publishing node (none on `pushy:` events). */
  offset?: number;
  /** Epoch of the channel's history that `offset` belongs to. */
  epoch?: string;
  /** A client event on a presence channel: the sender's member id (live delivery only, not in history). */
  memberId?: string;
}

/** A presence change on a channel: a member's first connection joined, or its last one left. */
export interface PresenceMessage {
  type: 'presence';
  /** The app (namespace) of the channel; absent: the default app. */
  app?: string;
  channel: string;
  /** What happened to the member. */
  event: 'member-added' | 'member-removed';
  member: Member;
  /** Connection that must not receive it (the member's own, on a join). */
  excludeSocketId?: string;
}

/**
 * A channel's subscriber count across the cluster changed (apps with `enableSubscriptionCount`):
 * a front end that shows counts encodes it, the others let it pass unseen.
 */
export interface SubscriptionCountMessage {
  type: 'subscription-count';
  /** The app (namespace) of the channel; absent: the default app. */
  app?: string;
  channel: string;
  /** Subscribers of the channel on every node. */
  count: number;
  /** Orders one channel's counts (a later total has a higher one): a node drops a count older than the last it delivered. */
  version: number;
}

/** Everything that travels between nodes. */
export type BrokerMessage = ChannelEventMessage | PresenceMessage | SubscriptionCountMessage;

/** Called on every node for every message on a channel it subscribed to. */
export type BrokerMessageHandler = (message: BrokerMessage) => void;

/** Contract that every broker passes (see test/lib/broker-contract.ts). */
/** One Redis shard's state, as a sharded broker reports it. */
export interface BrokerShardState {
  /** The shard's stable name (`host:port/db`, or a Redis Cluster slot group). */
  shard: string;
  /** `ready`, `connecting`, `reconnecting`, `resubscribing` or `closed`. */
  state: string;
}

export interface Broker {
  /** Unique id of this node. */
  readonly nodeId: string;
  /**
   * Sends to every node, this one included, that subscribed to the message's channel.
   * Resolves with how many nodes that is (0: nobody listens anywhere).
   */
  publish(message: BrokerMessage): Promise<number>;
  /** This node has local subscribers for the channel of this key (`channelKey(app, channel)`). */
  subscribe(channelKey: string): Promise<void>;
  /** This node has no local subscribers for the channel of this key any more. */
  unsubscribe(channelKey: string): Promise<void>;
  onMessage(handler: BrokerMessageHandler): void;
  /**
   * (Wildcard subscriptions) This node also wants the messages of every channel whose key starts
   * with `prefix` (ending with `.`, e.g. `orders.`); counted, so call {@link unsubscribePrefix}
   * once per call. A message is handed over once however many prefixes and channels match.
   */
  subscribePrefix?(prefix: string): Promise<void>;
  /** Drops one {@link subscribePrefix} of `prefix`. */
  unsubscribePrefix?(prefix: string): Promise<void>;
  close(): Promise<void>;
  /**
   * True while this broker can carry messages to every node (a Redis broker: both clients
   * connected; the memory broker: until closed). Drives `GET /pushy/ready`, the
   * `pushy_broker_ready` metric and the admin dashboard, so it must tell the truth.
   */
  isReady(): boolean;
  /** A short state name for operators: `ready` exactly when {@link isReady}, else e.g. `connecting`, `reconnecting`, `closed`. */
  readonly state: string;
  /** With several Redis shards: each one's state, in the configured order (health, metrics, dashboard). */
  shardStates?(): BrokerShardState[];
}
