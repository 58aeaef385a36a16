import { randomBytes } from 'node:crypto';
import { DEFAULT_APP, channelKey, parseChannelKey } from '../apps/namespace.js';
import type { Broker, BrokerMessage, ChannelEventMessage, PresenceMessage } from '../broker/broker.js';
import { PushyError, isPushyError } from '../errors.js';
import type { HistoryEvent, HistoryRead, HistoryStore, StreamPosition } from '../history/history-store.js';
import type { RetentionPolicy } from '../history/retention.js';
import type { Logger } from '../logger.js';
import type { JoinResult, Member, PresenceStore } from '../presence/presence-store.js';
import type { TrafficCounters } from '../stats/traffic.js';
import { DEFAULT_CHANNEL_POLICY, RESERVED_EVENT_PREFIX, channelKind, type ChannelKind, type ChannelPolicy } from './channel-policy.js';
import type { ChannelHooks } from './channel-hooks.js';
import { FrameCache } from './frame-cache.js';
import { isInternalChannel } from './internal-channels.js';
import type { SubscribeOutcome, Subscriber } from './subscriber.js';

/** Room kept for a subscription-success frame besides its member list, when a replay is sized. */
const SUCCESS_FRAME_BYTES = 512;

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
  /** An app's own limits, where it overrides the two above (default: none; the global ones apply). */
  appLimits?: (app: string) => AppChannelLimits | undefined;
  /** Told of each refusal by one of the two limits, with the subscriber's app (per-app counts). */
  onLimitRefusal?: (app: string, name: 'TOO_MANY_SUBSCRIPTIONS' | 'PRESENCE_CHANNEL_FULL') => void;
  /** Who follows channels opening and closing on this node and members coming and going (webhooks). */
  hooks?: ChannelHooks;
}

/** The per-app overrides of the channel limits (an app's `limits`). */
export interface AppChannelLimits {
  readonly maxChannelsPerConnection?: number;
  readonly maxPresenceMembers?: number;
}

/** Options of {@link ChannelManager.subscribe}. */
export interface SubscribeOptions {
  /** Where the client left off: the events after it are replayed when history still has them all. */
  since?: StreamPosition;
  /** The channel-name rule of the subscriber's front end, when it is not the native one (Pusher's is case-sensitive and takes `#server-to-user-…`). */
  policy?: ChannelPolicy;
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
  readonly app: string;
  readonly name: string;
  readonly kind: ChannelKind;
  readonly subscribers: Map<string, LocalSubscriber>;
  /** Settles once the broker delivers this channel's messages to this node. */
  readonly brokerReady: Promise<void>;
  /** Version of the last subscription count delivered here: an older one, overtaken on the way, is dropped. */
  countVersion: number;
}

/** One local subscriber on a channel. */
interface LocalSubscriber {
  readonly subscriber: Subscriber;
  /**
   * Until the subscription's history read is done, live frames wait here, so that the replay
   * goes out first and nothing is sent twice.
   */
  held?: Array<{ offset?: number; epoch?: string; frame: unknown }>;
  /** Events of this epoch at or below this offset were already replayed or precede the subscription. */
  floor?: StreamPosition;
}

/**
 * The channel core: which local subscriber is on which channel of which app, presence joins and
 * leaves, history, and the fan-out of broker messages to local subscribers, in protocol-neutral
 * messages that each subscriber's front end encodes. Channels exist only while they have
 * subscribers here. Stores and the broker know a channel by its key (`apps/namespace.ts`).
 */
export class ChannelManager {
  /** By channel key. */
  private readonly channels = new Map<string, LocalChannel>();
  private readonly policy: ChannelPolicy;

  constructor(private readonly deps: ChannelManagerDeps) {
    this.policy = deps.policy ?? DEFAULT_CHANNEL_POLICY;
    deps.broker.onMessage((message) => this.deliver(message));
    // Changes a shared store found by itself (a dead node reaped, a resync) reach every node here.
    deps.presence.onChange?.((change) => {
      const { app, channel } = parseChannelKey(change.channel);
      const event = change.kind === 'add' ? 'member-added' : 'member-removed';
      const hooks = this.hooksOf(channel);
      if (change.kind === 'add') hooks?.memberAdded?.(app, channel, change.member);
      else hooks?.memberRemoved?.(app, channel, change.member);
      void this.announce({ type: 'presence', app, channel, event, member: change.member }, 'could not publish a presence change');
    });
  }

  /**
   * Subscribes a subscriber to a channel of its app. With `presence`, it joins the channel's
   * presence as the member keyed by `presence.id` (or by this subscription when there is none).
   * Then, in this order and each once: the subscriber is told it is subscribed, gets the events
   * after `since` (when history still holds all of them), then the live ones.
   */
  async subscribe(subscriber: Subscriber, channel: string, presence?: PresenceData, options: SubscribeOptions = {}): Promise<SubscribeOutcome> {
    if (subscriber.subscriptions.has(channel)) {
      throw new PushyError('ALREADY_SUBSCRIBED');
    }
    const appLimits = this.deps.appLimits?.(subscriber.app);
    const maxChannels = appLimits?.maxChannelsPerConnection ?? this.deps.maxChannelsPerConnection;
    // The server's own channels are not the client's: they neither count nor are counted.
    const internal = isInternalChannel(channel);
    if (!internal && subscriber.subscriptions.size >= maxChannels && clientSubscriptions(subscriber) >= maxChannels) {
      this.deps.onLimitRefusal?.(subscriber.app, 'TOO_MANY_SUBSCRIPTIONS');
      throw new PushyError('TOO_MANY_SUBSCRIPTIONS');
    }
    const name = (options.policy ?? this.policy).check(channel);
    if (!name.ok) throw new PushyError('INVALID_CHANNEL', name.tooLong ? `Channel name ${name.reason}` : undefined);
    const { app } = subscriber;
    const key = channelKey(app, channel);
    const memberId = randomBytes(8).toString('hex');
    const memberKey = presence ? presenceMemberKey(presence, memberId) : undefined;
    subscriber.subscriptions.set(channel, { channel, memberId, memberKey });
    const local: LocalSubscriber = { subscriber, held: [] };
    const stillSubscribed = (): boolean => subscriber.isOpen && subscriber.subscriptions.get(channel)?.memberId === memberId;
    try {
      await this.addLocalSubscriber(local, app, channel);

      let members: Member[] | undefined;
      if (presence && memberKey !== undefined) {
        const member: Member = { ...presence, memberId, subscribed: Date.now(), idle: false };
        let joined: JoinResult;
        try {
          joined = await this.deps.presence.join(key, memberKey, member, subscriber.id);
        } catch (error) {
          // Presence unavailable (a shared store's backend away): the subscription does not
          // happen, and there is no member to leave.
          if (stillSubscribed()) {
            subscriber.subscriptions.delete(channel);
            await this.removeLocalSubscriber(subscriber, key);
          }
          throw error;
        }
        members = joined.members;
        const maxMembers = appLimits?.maxPresenceMembers ?? this.deps.maxPresenceMembers ?? Number.POSITIVE_INFINITY;
        if (joined.first && !internal && joined.members.length > maxMembers) {
          // Joining first and checking after keeps the limit under concurrent joins: every join
          // that overshoots undoes itself (below) before anyone is told about it.
          await this.deps.presence.leave(key, memberKey, subscriber.id);
          this.deps.onLimitRefusal?.(app, 'PRESENCE_CHANNEL_FULL');
          throw new PushyError('PRESENCE_CHANNEL_FULL', `Presence channel is full (${maxMembers} members)`);
        }
        if (joined.first) this.hooksOf(channel)?.memberAdded?.(app, channel, member);
        if (!stillSubscribed()) {
          // The subscriber went away (or unsubscribed) while we were joining: undo the join.
          await this.leavePresence(app, channel, memberKey, subscriber.id);
        } else if (joined.first) {
          // The join stands (the member is listed) even if the announcement is lost, with the broker.
          await this.announce({ type: 'presence', app, channel, event: 'member-added', member, excludeSocketId: subscriber.id }, 'could not announce a presence join');
        }
      }

      const { since } = options;
      const read = await this.readHistory(key, channel, since);
      const outcome: SubscribeOutcome = { memberId };
      if (read) {
        outcome.offset = read.offset;
        outcome.epoch = read.epoch;
      }
      if (members) outcome.presence = members;
      if (!stillSubscribed()) return outcome;
      // From here to the release nothing awaits: no frame can slip in between.
      let replay: unknown[] = [];
      if (since !== undefined) {
        const encoded = read?.complete ? this.encodeReplay(local, app, channel, read.events, members) : undefined;
        outcome.recovered = encoded !== undefined;
        replay = encoded ?? [];
      }
      this.release(local, channel, outcome, read, replay);
      return outcome;
    } catch (error) {
      local.held = undefined;
      if (stillSubscribed()) {
        await this.unsubscribe(subscriber, channel).catch((undoError: unknown) => {
          this.deps.logger.error('undoing a failed subscribe failed', { channel, connectionId: subscriber.id, error: undoError });
        });
      }
      throw error;
    }
  }

  /** Unsubscribes a subscriber; throws when it was not subscribed. */
  async unsubscribe(subscriber: Subscriber, channel: string): Promise<void> {
    const key = channelKey(subscriber.app, channel);
    const subscription = subscriber.subscriptions.get(channel);
    if (!subscription) {
      throw this.channels.has(key) ? new PushyError('NOT_SUBSCRIBED') : new PushyError('CHANNEL_NOT_FOUND');
    }
    subscriber.subscriptions.delete(channel);
    await this.removeLocalSubscriber(subscriber, key);
    if (subscription.memberKey !== undefined) {
      await this.leavePresence(subscriber.app, channel, subscription.memberKey, subscriber.id);
    }
  }

  /** Drops every subscription of a subscriber that went away. */
  async removeSubscriber(subscriber: Subscriber): Promise<void> {
    const channels = [...subscriber.subscriptions.keys()];
    await Promise.all(
      channels.map((channel) =>
        this.unsubscribe(subscriber, channel).catch((error: unknown) => {
          this.deps.logger.error('cleanup of a closed connection failed', { channel, connectionId: subscriber.id, error });
        }),
      ),
    );
  }

  /**
   * Publishes an event to the channel's subscribers on every node; resolves with the node count.
   * The event first gets its offset here, once for the whole cluster, and enters history (even
   * when nobody listens now: a client that comes back reads it).
   */
  async publish(message: ChannelEventMessage): Promise<number> {
    // The server's own events are never published by anyone: entry points check names with the
    // channel policy first, this is the last line (a custom command must not fake a presence change).
    if (message.event.startsWith(RESERVED_EVENT_PREFIX)) throw new PushyError('INVALID_DATA', `Event names starting with "${RESERVED_EVENT_PREFIX}" are reserved`);
    if (this.deps.traffic) this.deps.traffic.eventsTriggered += 1;
    const key = channelKey(message.app, message.channel);
    let position: StreamPosition;
    try {
      position = await this.deps.history.append(key, { event: message.event, data: message.data }, this.deps.retention.resolve(message.channel));
    } catch (error) {
      const failure = this.historyFailure('history append failed', message.channel, error);
      // Without history the event gets no offset, but local delivery keeps working: a broker that
      // cannot reach Redis delivers to this node's subscribers and refuses with its own 503.
      // Either way the trigger fails, so the backend knows the event is not in history.
      await this.deps.broker.publish(message);
      throw failure;
    }
    // Spelled out: an object spread here cost more than the rest of the publish.
    const { type, app, channel, event, data, excludeSocketId, memberId } = message;
    return this.deps.broker.publish({ type, app, channel, event, data, excludeSocketId, offset: position.offset, epoch: position.epoch, memberId });
  }

  /** Sends a presence change to every node; a failure (the broker away) is logged, not thrown. */
  private async announce(message: PresenceMessage, failure: string): Promise<void> {
    try {
      await this.deps.broker.publish(message);
    } catch (error) {
      this.deps.logger.warn(failure, { channel: message.channel, event: message.event, error });
    }
  }

  /**
   * The channel's position and the retained events after `since`, complete only if they follow
   * it. Undefined when the history store cannot be read: a subscription does not need history,
   * so it goes on without a position (and `recovered: false`) rather than fail.
   */
  private async readHistory(key: string, channel: string, since: StreamPosition | undefined): Promise<HistoryRead | undefined> {
    try {
      return await this.deps.history.read(key, this.deps.retention.resolve(channel), since && { since: since.offset, epoch: since.epoch });
    } catch (error) {
      if (isPushyError(error)) {
        // Expected while the backend is away (Redis: UNAVAILABLE), and logged once there.
        this.deps.logger.debug('history unavailable: subscribing without a position', { channel, error: error.message });
      } else {
        this.deps.logger.error('history read failed: subscribing without a position', { channel, error });
      }
      return undefined;
    }
  }

  /** A catalogue error (Redis away: UNAVAILABLE) passes as is; anything else is logged and answered 503. */
  private historyFailure(what: string, channel: string, error: unknown): PushyError {
    if (error instanceof PushyError) return error;
    this.deps.logger.error(what, { channel, error });
    return new PushyError('UNAVAILABLE', 'History store unavailable');
  }

  /** Local subscribers of a channel. */
  localSubscriberCount(channel: string, app = DEFAULT_APP): number {
    return this.channels.get(channelKey(app, channel))?.subscribers.size ?? 0;
  }

  /** Presence members of a channel (every node's). */
  members(channel: string, app = DEFAULT_APP): Promise<Member[]> {
    return this.deps.presence.members(channelKey(app, channel));
  }

  /** How many presence members each of an app's channels has (every node's), in the order asked. */
  memberCounts(channels: readonly string[], app = DEFAULT_APP): Promise<number[]> {
    return this.deps.presence.memberCounts(channels.map((channel) => channelKey(app, channel)));
  }

  /** This node's subscribers per channel of an app (channels without local subscribers are left out). */
  localSubscriberCounts(app = DEFAULT_APP): Map<string, number> {
    const counts = new Map<string, number>();
    for (const channel of this.channels.values()) {
      if (channel.app === app && channel.subscribers.size > 0 && !isInternalChannel(channel.name)) counts.set(channel.name, channel.subscribers.size);
    }
    return counts;
  }

  /**
   * Local subscribers per channel of every app, by channel key (`channelKey(app, channel)`): what
   * this node publishes to the node registry, so that any node can count an app's channels.
   */
  localSubscriberCountsByKey(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const [key, channel] of this.channels) if (channel.subscribers.size > 0 && !isInternalChannel(channel.name)) counts.set(key, channel.subscribers.size);
    return counts;
  }

  /** Names of an app's channels with local subscribers. */
  channelNames(app = DEFAULT_APP): string[] {
    const names: string[] = [];
    for (const channel of this.channels.values()) if (channel.app === app && !isInternalChannel(channel.name)) names.push(channel.name);
    return names;
  }

  /** Counts for leak checks and metrics, over every app. */
  stats(): ChannelStats {
    const byKind: Record<ChannelKind, number> = { public: 0, private: 0, presence: 0 };
    let subscriptions = 0;
    for (const channel of this.channels.values()) {
      subscriptions += channel.subscribers.size;
      byKind[channel.kind] += 1;
    }
    return { channels: this.channels.size, subscriptions, members: this.deps.presence.memberCount(), byKind };
  }

  /** Local fan-out: each front end encodes the message once, and its frame goes to all its subscribers. */
  private deliver(message: BrokerMessage): void {
    const channel = this.channels.get(channelKey(message.app, message.channel));
    if (!channel) return;
    let exclude: string | undefined;
    if (message.type === 'subscription-count') {
      // Counts of one channel come from several nodes, so they may cross on the way: the newest wins.
      if (message.version <= channel.countVersion) return;
      channel.countVersion = message.version;
    } else exclude = message.excludeSocketId;
    const offset = message.type === 'event' ? message.offset : undefined;
    const epoch = message.type === 'event' ? message.epoch : undefined;
    const frames = new FrameCache(message);
    let recipients = 0;
    for (const local of channel.subscribers.values()) {
      const { subscriber } = local;
      if (subscriber.id === exclude) continue;
      const frame = frames.for(subscriber.encoder);
      // A front end that does not show this kind of message (the native one, counts) has no frame.
      if (frame === undefined) continue;
      if (local.held) {
        local.held.push({ offset, epoch, frame });
      } else if (!isBelowFloor(local.floor, offset, epoch)) {
        subscriber.deliver(frame);
        recipients += 1;
      }
    }
    if (this.deps.traffic && message.type === 'event') this.deps.traffic.eventsDelivered += recipients;
  }

  /**
   * The frames of a replay, or undefined when they would not fit in the subscriber's buffer
   * together with the success frame and the live frames held meanwhile. Written in one go, a
   * replay larger than the buffer bound would get the client cut off as a slow consumer; it
   * would come back with the same position and be cut off again, forever. Told
   * `recovered: false` instead, it reloads and goes on from now. Encoding stops at the bound.
   */
  private encodeReplay(local: LocalSubscriber, app: string, channel: string, events: readonly HistoryEvent[], members: Member[] | undefined): unknown[] | undefined {
    const { subscriber } = local;
    const room = subscriber.bufferRoom?.();
    const frames: unknown[] = [];
    if (room === undefined) {
      for (const { event, data, offset } of events) frames.push(subscriber.encoder.encode({ type: 'event', app, channel, event, data, offset }));
      return frames;
    }
    let left = room - SUCCESS_FRAME_BYTES - (members ? JSON.stringify(members).length : 0);
    for (const entry of local.held ?? []) left -= frameSize(entry.frame);
    for (const { event, data, offset } of events) {
      const frame = subscriber.encoder.encode({ type: 'event', app, channel, event, data, offset });
      left -= frameSize(frame);
      if (left < 0) {
        this.deps.logger.debug('replay larger than the connection buffer: recovered false', { channel, connectionId: subscriber.id, events: events.length });
        return undefined;
      }
      frames.push(frame);
    }
    return frames;
  }

  /**
   * The one place that orders what a new subscription gets: the success, the replayed events,
   * then the held live ones that come after the read position, then live delivery. One
   * synchronous run, so nothing can slip in between.
   */
  private release(local: LocalSubscriber, channel: string, outcome: SubscribeOutcome, position: StreamPosition | undefined, replay: readonly unknown[]): void {
    const held = local.held ?? [];
    local.held = undefined;
    local.floor = position && { offset: position.offset, epoch: position.epoch };
    const { subscriber } = local;
    subscriber.subscribed(channel, outcome);
    for (const frame of replay) subscriber.deliver(frame);
    for (const entry of held) {
      if (!isBelowFloor(local.floor, entry.offset, entry.epoch)) subscriber.deliver(entry.frame);
    }
  }

  private async addLocalSubscriber(local: LocalSubscriber, app: string, name: string): Promise<void> {
    const key = channelKey(app, name);
    let channel = this.channels.get(key);
    if (!channel) {
      channel = { app, name, kind: channelKind(name), subscribers: new Map(), brokerReady: this.deps.broker.subscribe(key), countVersion: 0 };
      this.channels.set(key, channel);
      this.hooksOf(name)?.channelOpened?.(app, name);
    }
    channel.subscribers.set(local.subscriber.id, local);
    // Every subscriber waits for the broker subscription, not only the first: its history read
    // must come after it, or an event published in between would be in neither.
    await channel.brokerReady;
    // Told once the broker carries the channel here, so that the new count reaches this node too.
    this.hooksOf(name)?.subscribersChanged?.(app, name, channel.subscribers.size);
  }

  private async removeLocalSubscriber(subscriber: Subscriber, key: string): Promise<void> {
    const channel = this.channels.get(key);
    if (!channel) return;
    if (!channel.subscribers.delete(subscriber.id)) return;
    const hooks = this.hooksOf(channel.name);
    hooks?.subscribersChanged?.(channel.app, channel.name, channel.subscribers.size);
    if (channel.subscribers.size > 0) return;
    this.channels.delete(key);
    hooks?.channelClosed?.(channel.app, channel.name);
    await this.deps.broker.unsubscribe(key);
  }

  /** The hooks told about a channel's moments: none for the server's own channels (no webhooks, no counts). */
  private hooksOf(channel: string): ChannelHooks | undefined {
    return isInternalChannel(channel) ? undefined : this.deps.hooks;
  }

  private async leavePresence(app: string, channel: string, memberKey: string, subscriberId: string): Promise<void> {
    const left = await this.deps.presence.leave(channelKey(app, channel), memberKey, subscriberId);
    if (left.last && left.member) {
      this.hooksOf(channel)?.memberRemoved?.(app, channel, left.member);
      await this.deps.broker.publish({ type: 'presence', app, channel, event: 'member-removed', member: left.member });
    }
  }
}

/** The subscriptions a client asked for: the server's own channels left out. */
function clientSubscriptions(subscriber: Subscriber): number {
  let count = 0;
  for (const channel of subscriber.subscriptions.keys()) if (!isInternalChannel(channel)) count += 1;
  return count;
}

/** True for an event the subscriber already got through the replay, or that precedes its subscription. */
function isBelowFloor(floor: StreamPosition | undefined, offset: number | undefined, epoch: string | undefined): boolean {
  return floor !== undefined && offset !== undefined && epoch === floor.epoch && offset <= floor.offset;
}

/** Size of an encoded frame, for sizing a replay (a text frame: its length). */
function frameSize(frame: unknown): number {
  return typeof frame === 'string' ? frame.length : Buffer.isBuffer(frame) ? frame.length : 0;
}

/**
 * Members with a user `id` are one member across connections; others are one per subscription.
 * The key keeps the id's type: `1` and `"1"` are two users (string ids keep the key they had).
 */
function presenceMemberKey(presence: PresenceData, memberId: string): string {
  const userId = presence.id;
  if (typeof userId === 'string') return `u:${userId}`;
  if (typeof userId === 'number') return `n:${userId}`;
  return `m:${memberId}`;
}
