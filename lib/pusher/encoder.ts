import type { ChannelMessage, FrameEncoder } from '../channels/subscriber.js';
import type { Member } from '../presence/presence-store.js';
import { RawJson } from '../raw-json.js';
import { encodeRawDataFrame, encodeStringDataFrame } from './frames.js';
import { WATCHLIST_CHANNEL, WatchFrame } from './watchlist.js';

/** Event that closes the receiving signed-in sockets of a user (`terminate_connections`), on every node. */
export const TERMINATE_EVENT = 'pushy:terminate-user';

/** What the encoder makes of a terminate message: no frame, an order to close. */
export const TERMINATE_FRAME = Symbol('terminate');

/** A Pusher frame: JSON text, the order to close the socket, or a watched user's change (sent only by sockets watching them). */
export type PusherFrame = string | typeof TERMINATE_FRAME | WatchFrame;

/**
 * A channel event's `data` as Pusher clients get it, a string: Pusher data is a string, relayed
 * as the API was given it; a native trigger's JSON data becomes its JSON text (byte for byte for
 * a RawJson). A RawJson of a JSON string is that string: a store that keeps JSON text (Redis
 * history) gives a Pusher event's data back so, and a native trigger's string is the same
 * string whether its body was kept raw or not.
 */
export function pusherEventData(data: unknown): string | undefined {
  if (data === undefined) return undefined;
  if (typeof data === 'string') return data;
  if (data instanceof RawJson) return data.text.startsWith('"') ? (JSON.parse(data.text) as string) : data.text;
  return JSON.stringify(data);
}

/** A channel event's `data` as JSON text: the JSON string of {@link pusherEventData}. */
export function eventDataJson(data: unknown): string | undefined {
  const text = pusherEventData(data);
  return text === undefined ? undefined : JSON.stringify(text);
}

/** The Pusher user id of a presence member (a native member without one: its member id). */
export function memberUserId(member: Member): string {
  const id = member.id;
  return typeof id === 'string' ? id : typeof id === 'number' ? String(id) : member.memberId;
}

/** The Pusher `user_info` of a presence member: its `info`, or a native member's own fields. */
export function memberUserInfo(member: Member): unknown {
  if (member.info !== undefined) return member.info;
  const { memberId: _memberId, subscribed: _subscribed, idle: _idle, id: _id, ...rest } = member;
  return rest;
}

/**
 * The Pusher front end's one encoder: the channel core calls it once per message for every
 * Pusher socket of the channel on this node, and each gets the same text. A subscription count
 * becomes `pusher_internal:subscription_count` (only apps with `enableSubscriptionCount` publish one);
 * a member change of the watchlist channel, a {@link WatchFrame}.
 */
export const PUSHER_ENCODER: FrameEncoder<PusherFrame> = {
  encode(message: ChannelMessage): PusherFrame {
    if (message.type === 'presence') {
      const user_id = memberUserId(message.member);
      if (message.channel === WATCHLIST_CHANNEL) return new WatchFrame(user_id, message.event === 'member-added' ? 'online' : 'offline');
      return message.event === 'member-added'
        ? encodeStringDataFrame('pusher_internal:member_added', { user_id, user_info: memberUserInfo(message.member) }, message.channel)
        : encodeStringDataFrame('pusher_internal:member_removed', { user_id }, message.channel);
    }
    if (message.type === 'subscription-count') {
      return encodeStringDataFrame('pusher_internal:subscription_count', { subscription_count: message.count }, message.channel);
    }
    if (message.event === TERMINATE_EVENT) return TERMINATE_FRAME;
    const extra = message.userId === undefined ? undefined : `,"user_id":${JSON.stringify(message.userId)}`;
    return encodeRawDataFrame(message.event, eventDataJson(message.data), message.channel, extra);
  },
};
