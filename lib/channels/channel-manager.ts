import { randomBytes } from 'node:crypto';
import type { Broker, BrokerMessage } from '../broker/broker.js';
import type { Connection } from '../native/connection.js';
import { PushyError } from '../errors.js';
import type { HistoryEvent, HistoryRead, HistoryStore, StreamPosition } from '../history/history-store.js';
import type { RetentionPolicy } from '../history/retention.js';
import type { Logger } from '../logger.js';
import type { TrafficCounters } from '../stats/traffic.js';
import { EVENTS, encodeFrame, isReservedEvent } from '../native/protocol.js';
import { DEFAULT_CHANNEL_POLICY, channelKind, type ChannelKind, type ChannelPolicy } from './channel-policy.js';
import type { JoinResult, Member, PresenceStore } from '../presence/presence-store.js';

/** What the manager needs from the rest of the server. */
export interface ChannelManagerDeps {
  broker: Broker;
  presence: PresenceStore;
  /** Offsets and recent events of every channel. */
  history: HistoryStore;
  /** How much history each channel keeps. */
  retention: RetentionPolicy;
  logger: Logger;
  /** Most channels one connection may hold. */
  maxChannelsPerConnection: number;
  /** Totals moved once per publish and once per fan-out (metrics, admin dashboard). */
  traffic?: TrafficCounters;
  /** Most members one presence channel may have (default: no limit). */
  maxPresenceMembers?: number;
  /** The channel-name rule a subscribe must pass (default: the protocol's own). */
  policy?: ChannelPolicy;
}

/** The outcome of a subscribe. */
export interface SubscribeOutcome {
  memberId: string;
  /** Present on presence subscriptions: every member, the new one included. */
  presence?: Member[];
  /** The channel's offset at the subscription: live events follow it. */
  offset: number;
  epoch: string;
  /** Only when `since` was given: whether every missed event follows. */
  recovered?: boolean;
}

/** Options of {@link ChannelManager.subscribe}. */
export interface SubscribeOptions {
  /** Where the client left off: the events after it are replayed when history still has them all. */
  since?: StreamPosition;
  /**
   * Called once the subscription is in place, right before the missed events and the live ones
   * that came in meanwhile are sent (the subscribe command sends its success frame here).
   */
  onSubscribed?: (outcome: SubscribeOutcome) => void;
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
  readonly subscribers: Map<string, Subscriber>;
  /** Settles once the broker delivers this channel's messages to this node. */
  readonly brokerReady: Promise<void>;
}

/** One local connection on a channel. */
interface Subscriber {
  readonly connection: Connection;
  /**
   * Until the subscription's history read is done, live frames wait here, so that the replay
   * goes out first and nothing is sent twice.
   */
  held?: Array<{ offset?: number; epoch?: string; text: string }>;
  /** Events of this epoch at or below this offset were already replayed or precede the subscription. */
  floor?: StreamPosition;
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
    // Changes a shared store found by itself (a dead node reaped, a resync) reach every node here.
    deps.presence.onChange?.((change) => {
      const event = change.kind === 'add' ? EVENTS.presenceAdd : EVENTS.presenceQuit;
      this.publish({ type: 'event', channel: change.channel, event, data: { member: change.member } }).catch((error: unknown) => {
        deps.logger.error('could not publish a presence change', { channel: change.channel, event, error });
      });
    });
  }

  /**
   * Subscribes a connection. With `presence`, the connection joins the channel's presence as
   * the member keyed by `presence.id` (or by this subscription when there is none). With
   * `since`, the events after it are sent first (when history still holds all of them), then the
   * live ones, each once.
   */
  async subscribe(connection: Connection, channel: string, presence?: PresenceData, options: SubscribeOptions = {}): Promise<SubscribeOutcome> {
    if (connection.subscriptions.has(channel)) {
      throw new PushyError('ALREADY_SUBSCRIBED');
    }
    if (connection.subscriptions.size >= this.deps.maxChannelsPerConnection) {
      throw new PushyError('TOO_MANY_SUBSCRIPTIONS');
    }
    const name = (this.deps.policy ?? DEFAULT_CHANNEL_POLICY).check(channel);
    if (!name.ok) throw new PushyError('INVALID_CHANNEL', name.tooLong ? `Channel name ${name.reason}` : undefined);
    const memberId = randomBytes(8).toString('hex');
    const memberKey = presence ? presenceMemberKey(presence, memberId) : undefined;
    connection.subscriptions.set(channel, { channel, memberId, memberKey });
    const subscriber: Subscriber = { connection, held: [] };
    const stillSubscribed = (): boolean => connection.isOpen && connection.subscriptions.get(channel)?.memberId === memberId;
    try {
      await this.addLocalSubscriber(subscriber, channel);

      let members: Member[] | undefined;
      if (presence && memberKey !== undefined) {
        const member: Member = { ...presence, memberId, subscribed: Date.now(), idle: false };
        let joined: JoinResult;
        try {
          joined = await this.deps.presence.join(channel, memberKey, member, connection.id);
        } catch (error) {
          // Presence unavailable (a shared store's backend away): the subscription does not
          // happen, and there is no member to leave.
          if (stillSubscribed()) {
            connection.subscriptions.delete(channel);
            await this.removeLocalSubscriber(connection, channel);
          }
          throw error;
        }
        members = joined.members;
        if (joined.first && joined.members.length > (this.deps.maxPresenceMembers ?? Number.POSITIVE_INFINITY)) {
          // Joining first and checking after keeps the limit under concurrent joins: every join
          // that overshoots undoes itself (below) before anyone is told about it.
          await this.deps.presence.leave(channel, memberKey, connection.id);
          throw new PushyError('PRESENCE_CHANNEL_FULL', `Presence channel is full (${this.deps.maxPresenceMembers} members)`);
        }
        if (!stillSubscribed()) {
          // The connection went away (or unsubscribed) while we were joining: undo the join.
          await this.leavePresence(channel, memberKey, connection.id);
        } else if (joined.first) {
          try {
            await this.publish({ type: 'event', channel, event: EVENTS.presenceAdd, data: { member }, excludeSocketId: connection.id });
          } catch (error) {
            // The join stands (the member is listed); only the announcement was lost, with the broker.
            this.deps.logger.warn('could not announce a presence join', { channel, error });
          }
        }
      }

      const { since } = options;
      const read = await this.readHistory(channel, since?.offset);
      const recovered = since === undefined ? undefined : read.epoch === since.epoch && read.complete;
      const outcome: SubscribeOutcome = { memberId, offset: read.offset, epoch: read.epoch };
      if (members) outcome.presence = members;
      if (recovered !== undefined) outcome.recovered = recovered;
      if (!stillSubscribed()) return outcome;
      options.onSubscribed?.(outcome);
      this.release(subscriber, channel, read, recovered ? read.events : []);
      return outcome;
    } catch (error) {
      subscriber.held = undefined;
      if (stillSubscribed()) {
        await this.unsubscribe(connection, channel).catch((undoError: unknown) => {
          this.deps.logger.error('undoing a failed subscribe failed', { channel, connectionId: connection.id, error: undoError });
        });
      }
      throw error;
    }
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

  /**
   * Publishes an event to the channel's subscribers on every node; resolves with the node count.
   * A channel event first gets its offset here, once for the whole cluster, and enters history
   * (even when nobody listens now: a client that comes back reads it).
   */
  async publish(message: BrokerMessage): Promise<number> {
    if (isReservedEvent(message.event)) return this.deps.broker.publish(message);
    if (this.deps.traffic) this.deps.traffic.eventsTriggered += 1;
    let position: StreamPosition;
    try {
      position = await this.deps.history.append(message.channel, { event: message.event, data: message.data }, this.deps.retention.resolve(message.channel));
    } catch (error) {
      const failure = this.historyFailure('history append failed', message.channel, error);
      // Without history the event gets no offset, but local delivery keeps working: a broker that
      // cannot reach Redis delivers to this node's subscribers and refuses with its own 503.
      // Either way the trigger fails, so the backend knows the event is not in history.
      await this.deps.broker.publish(message);
      throw failure;
    }
    // Spelled out: an object spread here cost more than the rest of the publish.
    const { type, channel, event, data, excludeSocketId } = message;
    return this.deps.broker.publish({ type, channel, event, data, excludeSocketId, offset: position.offset, epoch: position.epoch });
  }

  /** The channel's position and the retained events after `since`. */
  private async readHistory(channel: string, since: number | undefined): Promise<HistoryRead> {
    try {
      return await this.deps.history.read(channel, this.deps.retention.resolve(channel), since);
    } catch (error) {
      throw this.historyFailure('history read failed', channel, error);
    }
  }

  /** A catalogue error (Redis away: UNAVAILABLE) passes as is; anything else is logged and answered 503. */
  private historyFailure(what: string, channel: string, error: unknown): PushyError {
    if (error instanceof PushyError) return error;
    this.deps.logger.error(what, { channel, error });
    return new PushyError('UNAVAILABLE', 'History store unavailable');
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
    const { offset, epoch } = message;
    const text = encodeFrame(message.event, message.channel, message.data, offset);
    let recipients = 0;
    for (const subscriber of channel.subscribers.values()) {
      if (subscriber.connection.id === message.excludeSocketId) continue;
      if (subscriber.held) {
        subscriber.held.push({ offset, epoch, text });
      } else if (!isBelowFloor(subscriber.floor, offset, epoch)) {
        subscriber.connection.sendEncoded(text);
        recipients += 1;
      }
    }
    if (this.deps.traffic && !isReservedEvent(message.event)) this.deps.traffic.eventsDelivered += recipients;
  }

  /**
   * Ends a subscriber's wait: the replayed events, then the held live ones that come after the
   * read position, then live delivery. One synchronous run, so nothing can slip in between.
   */
  private release(subscriber: Subscriber, channel: string, position: StreamPosition, replay: readonly HistoryEvent[]): void {
    const held = subscriber.held ?? [];
    subscriber.held = undefined;
    subscriber.floor = { offset: position.offset, epoch: position.epoch };
    const { connection } = subscriber;
    for (const event of replay) connection.sendEncoded(encodeFrame(event.event, channel, event.data, event.offset));
    for (const frame of held) {
      if (!isBelowFloor(subscriber.floor, frame.offset, frame.epoch)) connection.sendEncoded(frame.text);
    }
  }

  private async addLocalSubscriber(subscriber: Subscriber, name: string): Promise<void> {
    const { connection } = subscriber;
    let channel = this.channels.get(name);
    if (!channel) {
      channel = { name, kind: channelKind(name), subscribers: new Map(), brokerReady: this.deps.broker.subscribe(name) };
      this.channels.set(name, channel);
    }
    channel.subscribers.set(connection.id, subscriber);
    // Every subscriber waits for the broker subscription, not only the first: its history read
    // must come after it, or an event published in between would be in neither.
    await channel.brokerReady;
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

/** True for an event the subscriber already got through the replay, or that precedes its subscription. */
function isBelowFloor(floor: StreamPosition | undefined, offset: number | undefined, epoch: string | undefined): boolean {
  return floor !== undefined && offset !== undefined && epoch === floor.epoch && offset <= floor.offset;
}

/** Members with a user `id` are one member across connections; others are one per subscription. */
function presenceMemberKey(presence: PresenceData, memberId: string): string {
  const userId = presence.id;
  if (typeof userId === 'string' || typeof userId === 'number') return `u:${String(userId)}`;
  return `m:${memberId}`;
}
