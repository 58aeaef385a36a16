import type { BrokerMessage } from '../broker/broker.js';
import type { Member } from '../presence/presence-store.js';

/**
 * What the channel core sends out: a channel event (with its history offset) or a presence
 * change (a member added or removed). Protocol neutral: a front end turns it into its frames.
 */
export type ChannelMessage = BrokerMessage;

/**
 * How one front end (one wire protocol) turns the core's messages into frames. The core asks it
 * once per message for all of that front end's subscribers of the channel, and only when one of
 * them gets it, so a second front end costs one more encoding per message, not one per socket.
 */
export interface FrameEncoder<F> {
  /** The message's frame; undefined when this front end does not show such messages (its subscribers skip it). */
  encode(message: ChannelMessage): F | undefined;
}

/** What a subscriber remembers about one of its subscriptions (kept by the channel core). */
export interface Subscription {
  readonly channel: string;
  readonly memberId: string;
  /** Key of the presence member this subscription belongs to, on presence subscriptions. */
  readonly memberKey?: string;
}

/** The outcome of a subscribe. */
export interface SubscribeOutcome {
  memberId: string;
  /** Present on presence subscriptions: every member, the new one included. */
  presence?: Member[];
  /**
   * The channel's offset at the subscription: live events follow it. Absent when the history
   * store could not be read (its backend away): the subscription then works without a position.
   */
  offset?: number;
  epoch?: string;
  /** Only when `since` was given: whether every missed event follows (never without a position). */
  recovered?: boolean;
}

/**
 * A front end's connection as the channel core sees it. The core decides what reaches it and in
 * which order (the subscription's success, then the missed events, then the live ones), and
 * hands over frames the connection's {@link FrameEncoder} made.
 */
export interface Subscriber<F = unknown> {
  /** Unique per connection: the socket id clients sign with and triggers exclude by. */
  readonly id: string;
  /** The app (namespace) whose channels this connection sees. */
  readonly app: string;
  readonly isOpen: boolean;
  /** Its subscriptions, by channel name: written by the channel core only. */
  readonly subscriptions: Map<string, Subscription>;
  /** Encodes messages for this connection's front end; the same object for all its connections. */
  readonly encoder: FrameEncoder<F>;
  /** The subscription to `channel` is in place: called once, before any message of it. */
  subscribed(channel: string, outcome: SubscribeOutcome): void;
  /** Sends a frame its encoder made (the very frame other connections of its front end get). */
  deliver(frame: F): void;
  /**
   * Bytes its outbound buffer can still take before it is cut off as a slow consumer, so that a
   * replay that cannot fit is answered `recovered: false` instead. Absent: no bound.
   */
  bufferRoom?(): number;
}
