import { z } from 'zod';
import { DEFAULT_CHANNEL_POLICY } from '../channels/channel-policy.js';
import type { ChannelMessage, FrameEncoder, SubscribeOutcome } from '../channels/subscriber.js';
import { RawJson } from '../raw-json.js';

/** Protocol version this server speaks (sent in `pushy:connect`). */
export const PROTOCOL_VERSION = 2;

export { SOCKET_ID_PATTERN, isSocketId, socketIdSchema } from '../util/socket-id.js';

/** Server-to-client event names. */
export const EVENTS = {
  connect: 'pushy:connect',
  subscriptionSuccess: 'pushy:subscription-success',
  subscriptionNeedAuth: 'pushy:subscription-needauth',
  subscriptionFailed: 'pushy:subscription-failed',
  subscriptionEnd: 'pushy:subscription-end',
  presenceAdd: 'pushy:presence-add',
  presenceQuit: 'pushy:presence-quit',
  error: 'pushy:error',
  reply: 'pushy:reply',
} as const;

/** Checks and normalises a channel name by the protocol's own rule: lowercased, or `null`. */
export { normaliseChannelName } from '../channels/channel-policy.js';

/**
 * zod type of a channel name in a client frame, by the protocol's own rule; parses to the
 * lowercased name. The configured length limit applies where the subscription is made.
 */
export const channelNameSchema = DEFAULT_CHANNEL_POLICY.channelName;

/** The envelope of every client frame. `data` is validated by the command's own schema. */
export const clientFrameSchema = z.object({
  command: z.string().min(1).max(64),
  data: z.unknown().optional(),
  id: z.union([z.string().max(64), z.number().finite()]).optional(),
});

/** An id a client put on a frame, echoed in replies and errors. */
export type FrameId = string | number;

/** Every server-to-client frame has this shape. */
export interface ServerFrame {
  event: string;
  channel?: string;
  data?: unknown;
  /** (v2) Position of a channel event in its channel's history. */
  offset?: number;
  /** (v2) A client event on a presence channel: the sender's member id. */
  memberId?: string;
}

/**
 * Encodes one server frame as the JSON text that goes on the wire. Data given as a
 * {@link RawJson} goes in as its exact text.
 */
export function encodeFrame(event: string, channel?: string, data?: unknown, offset?: number, memberId?: string): string {
  if (data instanceof RawJson) return spliceFrame(event, channel, data.text, offset);
  const frame: ServerFrame = { event };
  if (channel !== undefined) frame.channel = channel;
  if (data !== undefined) frame.data = data;
  if (offset !== undefined) frame.offset = offset;
  if (memberId !== undefined) frame.memberId = memberId;
  return JSON.stringify(frame);
}

/** The frame JSON.stringify would write, in its key order, with the data's text spliced in as is. */
function spliceFrame(event: string, channel: string | undefined, data: string, offset: number | undefined): string {
  let text = `{"event":${JSON.stringify(event)}`;
  if (channel !== undefined) text += `,"channel":${JSON.stringify(channel)}`;
  text += `,"data":${data}`;
  if (offset !== undefined) text += `,"offset":${JSON.stringify(offset)}`;
  return `${text}}`;
}

/**
 * The native front end's encoding of the channel core's messages: a channel event is a frame
 * named after it (with its offset); a presence change is `pushy:presence-add` or
 * `pushy:presence-quit` with `{member}`; a subscription count (a Pusher feature) is no frame.
 */
export const NATIVE_ENCODER: FrameEncoder<string> = {
  encode(message: ChannelMessage): string | undefined {
    if (message.type === 'event') return encodeFrame(message.event, message.channel, message.data, message.offset, message.memberId);
    if (message.type === 'subscription-count') return undefined;
    const event = message.event === 'member-added' ? EVENTS.presenceAdd : EVENTS.presenceQuit;
    return encodeFrame(event, message.channel, { member: message.member });
  },
};

/** The data of `pushy:subscription-success`. */
export function subscriptionSuccess(channel: string, outcome: SubscribeOutcome): Record<string, unknown> {
  const success: Record<string, unknown> = { channel, memberId: outcome.memberId };
  if (outcome.presence) success.presence = outcome.presence;
  // No position while the history store is away: the client then has nothing to resume from.
  if (outcome.offset !== undefined) {
    success.offset = outcome.offset;
    success.epoch = outcome.epoch;
  }
  if (outcome.recovered !== undefined) success.recovered = outcome.recovered;
  return success;
}
