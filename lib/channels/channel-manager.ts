import { randomBytes } from 'node:crypto';
import type { Broker, BrokerMessage } from '../broker/broker.js';
import type { Connection } from '../connection.js';
import { PushyError } from '../errors.js';
import type { Logger } from '../logger.js';
import { EVENTS, MAX_CHANNEL_NAME_LENGTH, channelKind, encodeFrame, type ChannelKind } from '../protocol.js';
import type { Member, PresenceStore } from './presence-store.js';

/** What the manager needs from the rest of the server. */
export interface ChannelManagerDeps {
  broker: Broker;
  presence: PresenceStore;
  logger: Logger;
  /** Most channels one connection may hold. */
  maxChannelsPerConnection: number;
  /** Most members one presence channel may have (default: no limit). */
  maxPresenceMembers?: number;
  /** Longest channel name a subscribe may use (default: the protocol's 200). */
  maxChannelNameLength?: number;
}

/** The outcome of a subscribe. */
export interface SubscribeOutcome {
  memberId: string;
  /** Present on presence subscriptions: every member, the new one included. */
  presence?: Member[];
}

/** Counts for leak checks and metrics. */
export interface ChannelStats {
  channels: number;
  subscriptions: number;
  members: number;
  byKind: Record<ChannelKind, number>;
}

/** Presence data a subscription joins with. */
export type PresenceData = Record<string, unknown>;

interface LocalChannel {
  readonly name: string;
  readonly kind: ChannelKind;
  readonly subscribers: Map<string, Connection>;
}

/**
 * Which local connection is subscribed to which channel, presence joins and leaves, and the
 * fan-out of broker messages to local subscribers. Channels exist only while they have
 * subscribers here.
 */
export class ChannelManager {
  private readonly channels = new Map<string, LocalChannel>();

  constructor(private readonly deps: ChannelManagerDeps) {
    deps.broker.onMessage((message) => this.deliver(message));
  }

  /**
   * Subscribes a connection. With `presence`, the connection joins the channel's presence as
   * the member keyed by `presence.id` (or by this subscription when there is none).
   */
  async subscribe(connection: Connection, channel: string, presence?: PresenceData): Promise<SubscribeOutcome> {
    if (connection.subscriptions.has(channel)) {
      throw new PushyError('INVALID_DATA', 'Already subscribed to this channel');
    }
    if (connection.subscriptions.size >= this.deps.maxChannelsPerConnection) {
      throw new PushyError('TOO_MANY_SUBSCRIPTIONS');
    }
    const maxNameLength = this.deps.maxChannelNameLength ?? MAX_CHANNEL_NAME_LENGTH;
    if (channel.length > maxNameLength) {
      throw new PushyError('INVALID_CHANNEL', `Channel name longer than ${maxNameLength} characters`);
    }
    const memberId = randomBytes(8).toString('hex');
    const memberKey = presence ? presenceMemberKey(presence, memberId) : undefined;
    connection.subscriptions.set(channel, { channel, memberId, memberKey });
    await this.addLocalSubscriber(connection, channel);

    if (!presence || memberKey === undefined) return { memberId };
    const member: Member = { ...presence, memberId, subscribed: Date.now(), idle: false };
    const joined = await this.deps.presence.join(channel, memberKey, member, connection.id);
    if (joined.first && joined.members.length > (this.deps.maxPresenceMembers ?? Number.POSITIVE_INFINITY)) {
      // Joining first and checking after keeps the limit under concurrent joins: every join
      // that overshoots undoes itself before anyone is told about it.
      await this.deps.presence.leave(channel, memberKey, connection.id);
      if (connection.subscriptions.get(channel)?.memberId === memberId) {
        connection.subscriptions.delete(channel);
        await this.removeLocalSubscriber(connection, channel);
      }
      throw new PushyError('PRESENCE_CHANNEL_FULL', `Presence channel is full (${this.deps.maxPresenceMembers} members)`);
    }
    if (!connection.isOpen || connection.subscriptions.get(channel)?.memberId !== memberId) {
      // The connection went away (or unsubscribed) while we were joining: undo the join.
      await this.leavePresence(channel, memberKey, connection.id);
      return { memberId, presence: joined.members };
    }
    if (joined.first) {
      await this.publish({ type: 'event', channel, event: EVENTS.presenceAdd, data: { member }, excludeSocketId: connection.id });
    }
    return { memberId, presence: joined.members };
  }

  /** Unsubscribes a connection; throws when it was not subscribed. */
  async unsubscribe(connection: Connection, channel: string): Promise<void> {
    const subscription = connection.subscriptions.get(channel);
    if (!subscription) {
      throw this.channels.has(channel) ? new PushyError('NOT_SUBSCRIBED') : new PushyError('CHANNEL_NOT_FOUND');
    }
    connection.subscriptions.delete(channel);
    await this.removeLocalSubscriber(connection, channel);
    if (subscription.memberKey !== undefined) {
      await this.leavePresence(channel, subscription.memberKey, connection.id);
    }
  }

  /** Drops every subscription of a closed connection. */
  async removeConnection(connection: Connection): Promise<void> {
    const channels = [...connection.subscriptions.keys()];
    await Promise.all(
      channels.map((channel) =>
        this.unsubscribe(connection, channel).catch((error: unknown) => {
          this.deps.logger.error('cleanup of a closed connection failed', { channel, connectionId: connection.id, error });
        }),
      ),
    );
  }

  /** Publishes an event to the channel's subscribers on every node; resolves with the node count. */
  publish(message: BrokerMessage): Promise<number> {
    return this.deps.broker.publish(message);
  }

  /** Local subscribers of a channel. */
  localSubscriberCount(channel: string): number {
    return this.channels.get(channel)?.subscribers.size ?? 0;
  }

  /** Presence members of a channel (every node's). */
  members(channel: string): Promise<Member[]> {
    return this.deps.presence.members(channel);
  }

  /** Names of the channels with local subscribers. */
  channelNames(): string[] {
    return [...this.channels.keys()];
  }

  /** Counts for leak checks and metrics. */
  stats(): ChannelStats {
    const byKind: Record<ChannelKind, number> = { public: 0, private: 0, presence: 0 };
    let subscriptions = 0;
    for (const channel of this.channels.values()) {
      subscriptions += channel.subscribers.size;
      byKind[channel.kind] += 1;
    }
    return { channels: this.channels.size, subscriptions, members: this.deps.presence.memberCount(), byKind };
  }

  /** Local fan-out: the frame is encoded once and the same text goes to every subscriber. */
  private deliver(message: BrokerMessage): void {
    const channel = this.channels.get(message.channel);
    if (!channel) return;
    const text = encodeFrame(message.event, message.channel, message.data);
    for (const connection of channel.subscribers.values()) {
      if (connection.id !== message.excludeSocketId) connection.sendEncoded(text);
    }
  }

  private async addLocalSubscriber(connection: Connection, name: string): Promise<void> {
    let channel = this.channels.get(name);
    if (!channel) {
      channel = { name, kind: channelKind(name), subscribers: new Map() };
      this.channels.set(name, channel);
      channel.subscribers.set(connection.id, connection);
      await this.deps.broker.subscribe(name);
      return;
    }
    channel.subscribers.set(connection.id, connection);
  }

  private async removeLocalSubscriber(connection: Connection, name: string): Promise<void> {
    const channel = this.channels.get(name);
    if (!channel) return;
    channel.subscribers.delete(connection.id);
    if (channel.subscribers.size > 0) return;
    this.channels.delete(name);
    await this.deps.broker.unsubscribe(name);
  }

  private async leavePresence(channel: string, memberKey: string, connectionId: string): Promise<void> {
    const left = await this.deps.presence.leave(channel, memberKey, connectionId);
    if (left.last && left.member) {
      await this.publish({ type: 'event', channel, event: EVENTS.presenceQuit, data: { member: left.member } });
    }
  }
}

/** Members with a user `id` are one member across connections; others are one per subscription. */
function presenceMemberKey(presence: PresenceData, memberId: string): string {
  const userId = presence.id;
  if (typeof userId === 'string' || typeof userId === 'number') return `u:${String(userId)}`;
  return `m:${memberId}`;
}
