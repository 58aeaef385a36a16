import { z } from 'zod';
import { PushyError } from '../../errors.js';
import { RESERVED_EVENT_PREFIX } from '../../channels/channel-policy.js';
import { isSocketId } from '../../util/socket-id.js';
import { describeIssue } from '../../util/zod-issue.js';
import { isPusherChannelName, pusherChannelKind } from '../protocol.js';
import { isPusherSocketId } from '../socket-id.js';
import type { ApiLimits } from './limits.js';

/**
 * The bodies of `POST /apps/<id>/events` and `batch_events` (../shared/PUSHER.md B). The shapes
 * are checked loosely here (any lengths) so that each limit gets its own refusal below, with the
 * app's own value in the message.
 */
const eventShape = {
  name: z.string(),
  /** Already JSON-encoded by the SDKs (`ensureJSON`): relayed as this very string. */
  data: z.string({ error: 'data must be a string (the SDKs send it JSON-encoded)' }),
  socket_id: z.string().optional(),
  info: z.string().max(200).optional(),
};

const eventSchema = z.object({
  ...eventShape,
  channels: z.array(z.string()).optional(),
  channel: z.string().optional(),
});

const batchSchema = z.object({
  batch: z.array(z.object({ ...eventShape, channel: z.string() })),
});

/** One event to publish, checked. */
export interface ApiEvent {
  name: string;
  data: string;
  channels: string[];
  socketId?: string;
  /** Attributes asked for in the answer (`user_count`, `subscription_count`). */
  info: EventInfo[];
}

/** The attributes a trigger may ask for. */
export type EventInfo = 'user_count' | 'subscription_count';

/** Event names a publisher may not use: the protocols' own. */
const RESERVED_EVENT_PREFIXES = ['pusher:', 'pusher_internal:', RESERVED_EVENT_PREFIX];

/** Parses and checks an events body. */
export function parseEventBody(value: unknown, limits: ApiLimits): ApiEvent {
  const parsed = eventSchema.safeParse(value);
  if (!parsed.success) throw badRequest(parsed.error);
  const body = parsed.data;
  if (body.channels !== undefined && body.channel !== undefined) throw new PushyError('BAD_REQUEST', 'Give either "channels" or "channel", not both');
  const channels = body.channels ?? (body.channel === undefined ? [] : [body.channel]);
  return checkEvent({ ...body, channels }, limits);
}

/** Parses and checks a batch body: each event goes to its one channel. */
export function parseBatchBody(value: unknown, limits: ApiLimits): ApiEvent[] {
  const parsed = batchSchema.safeParse(value);
  if (!parsed.success) throw badRequest(parsed.error);
  const { batch } = parsed.data;
  if (batch.length === 0) throw new PushyError('BAD_REQUEST', 'batch must hold at least one event');
  if (batch.length > limits.maxBatchEvents) throw new PushyError('BAD_REQUEST', `Batch too large: at most ${limits.maxBatchEvents} events per batch_events request`);
  return batch.map((event, index) => {
    try {
      return checkEvent({ ...event, channels: [event.channel] }, limits);
    } catch (error) {
      if (error instanceof PushyError) throw new PushyError(error.errorName, `batch[${index}]: ${error.message}`);
      throw error;
    }
  });
}

function checkEvent(event: { name: string; data: string; channels: string[]; socket_id?: string; info?: string }, limits: ApiLimits): ApiEvent {
  const { name, data, channels } = event;
  if (name.length === 0 || name.length > limits.maxEventNameLength) throw new PushyError('BAD_REQUEST', `Event name must be 1 to ${limits.maxEventNameLength} characters`);
  const reserved = RESERVED_EVENT_PREFIXES.find((prefix) => name.startsWith(prefix));
  if (reserved !== undefined) throw new PushyError('BAD_REQUEST', `Event names starting with "${reserved}" are reserved`);
  if (channels.length === 0) throw new PushyError('BAD_REQUEST', 'Missing channels: give "channels" (a list) or "channel"');
  if (channels.length > limits.maxEventChannels) throw new PushyError('BAD_REQUEST', `Too many channels: at most ${limits.maxEventChannels} per event`);
  for (const channel of channels) {
    if (!isPusherChannelName(channel)) throw new PushyError('BAD_REQUEST', `Invalid channel name "${channel.slice(0, 200)}"`);
  }
  if (new Set(channels).size !== channels.length) throw new PushyError('BAD_REQUEST', 'A channel appears twice');
  if (channels.length > 1 && channels.some((channel) => pusherChannelKind(channel).encrypted)) {
    throw new PushyError('BAD_REQUEST', 'An event to an encrypted channel goes to that one channel only');
  }
  // Bytes, as Pusher counts them; a string of n UTF-16 units is at most 3n bytes.
  if (data.length * 3 > limits.maxEventDataBytes && Buffer.byteLength(data) > limits.maxEventDataBytes) {
    throw new PushyError('EVENT_DATA_TOO_LARGE', `Event data too large: at most ${limits.maxEventDataBytes} bytes`);
  }
  const { socket_id: socketId } = event;
  // A Pusher socket id (`N.N`), or a native one for a native client on the same channel.
  if (socketId !== undefined && !isPusherSocketId(socketId) && !isSocketId(socketId)) {
    throw new PushyError('BAD_REQUEST', 'Invalid socket_id: expected a socket id such as "123.456"');
  }
  const checked: ApiEvent = { name, data, channels, info: parseInfo(event.info, ['user_count', 'subscription_count']) as EventInfo[] };
  if (socketId !== undefined) checked.socketId = socketId;
  return checked;
}

/** The attributes of an `info` list, each one of `allowed`; anything else is 400. */
export function parseInfo(info: string | undefined, allowed: readonly string[]): string[] {
  if (info === undefined || info === '') return [];
  const attributes = [...new Set(info.split(','))];
  for (const attribute of attributes) {
    if (!allowed.includes(attribute)) throw new PushyError('BAD_REQUEST', `Invalid info attribute "${attribute.slice(0, 50)}": one of ${allowed.join(', ')}`);
  }
  return attributes;
}

function badRequest(error: z.ZodError): PushyError {
  return new PushyError('BAD_REQUEST', `Invalid body: ${describeIssue(error)}`);
}
