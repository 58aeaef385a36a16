import { z } from 'zod';
import { eventNameSchema } from '../channels/channel-policy.js';
import { describeIssue } from '../apps/app.js';
import { PushyError } from '../errors.js';
import { MAX_CHANNEL_NAME_LENGTH } from '../config.js';
import { normaliseChannelName } from '../channels/channel-policy.js';

/**
 * The bodies of the multi-channel and batch triggers (Pusher's HTTP API shapes):
 * `POST /pushy/events` publishes one event to up to `limits.maxTriggerChannels` channels,
 * `POST /pushy/batch_events` up to `limits.maxBatchEvents` events, each to one channel.
 * Parsed here into {@link EventToPublish} values; signatures and idempotency are the route's.
 */

export { MAX_BATCH_EVENTS, MAX_TRIGGER_CHANNELS } from '../util/limits.js';

/** The configured limits (`limits.maxTriggerChannels`, `limits.maxBatchEvents`, `limits.maxChannelNameLength`). */
export interface TriggerBodyLimits {
  maxChannels: number;
  maxBatchEvents: number;
  maxChannelNameLength?: number;
}

/** One event to publish, as the body asked. */
export interface EventToPublish {
  event: string;
  data: unknown;
  /** Normalised (lowercased) channel names, no repeats, at least one. */
  channels: string[];
  /** The connection that must not receive the event (the sender's own). */
  socketId?: string;
  /** Makes a retried request publish once (per channel, as the single trigger). */
  idempotencyKey?: string;
}


function channelSchema(maxLength: number): z.ZodType<string, unknown> {
  return z.unknown().transform((value, ctx) => {
    const channel = normaliseChannelName(value);
    if (channel === null || channel.length > maxLength) {
      ctx.addIssue({ code: 'custom', message: `must be a channel name: 1 to ${maxLength} of A-Z a-z 0-9 _ - = @ , . ; :` });
      return z.NEVER;
    }
    return channel;
  });
}

/** The fields every event of both bodies has; `name` is Pusher's word, `event` Pushy's. */
const commonShape = {
  name: eventNameSchema.optional(),
  event: eventNameSchema.optional(),
  data: z.unknown().optional(),
  socket_id: z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(128, 'must be at most 128 characters').optional(),
  idempotency_key: z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
};

type Common = { name?: string; event?: string; data?: unknown; socket_id?: string; idempotency_key?: string };

/** The event name of a body, which must give `name` or `event` (both only when equal). */
function eventOf(body: Common, ctx: z.RefinementCtx): string {
  if (body.name !== undefined && body.event !== undefined && body.name !== body.event) {
    ctx.addIssue({ code: 'custom', path: ['event'], message: 'give "name" or "event", not two different names' });
    return '';
  }
  const event = body.name ?? body.event;
  if (event === undefined) ctx.addIssue({ code: 'custom', path: ['name'], message: 'required: the event name ("name" or "event")' });
  return event ?? '';
}

function toPublish(body: Common, event: string, channels: string[]): EventToPublish {
  const result: EventToPublish = { event, data: body.data === undefined ? {} : body.data, channels };
  if (body.socket_id !== undefined) result.socketId = body.socket_id;
  if (body.idempotency_key !== undefined) result.idempotencyKey = body.idempotency_key;
  return result;
}

/** The zod schema of a `POST /pushy/events` body for these limits. */
export function eventsBodySchema(limits: TriggerBodyLimits): z.ZodType<EventToPublish, unknown> {
  const channel = channelSchema(limits.maxChannelNameLength ?? MAX_CHANNEL_NAME_LENGTH);
  return z
    .object(
      {
        ...commonShape,
        channel: channel.optional(),
        channels: z
          .array(channel, { error: 'must be a list of channel names' })
          .min(1, 'must name at least one channel')
          .max(limits.maxChannels, `must name at most ${limits.maxChannels} channels`)
          .optional(),
      },
      { error: 'must be a JSON object' },
    )
    .transform((body, ctx) => {
      const event = eventOf(body, ctx);
      if (body.channel !== undefined && body.channels !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['channels'], message: 'give "channel" or "channels", not both' });
        return z.NEVER;
      }
      const channels = body.channels ?? (body.channel === undefined ? undefined : [body.channel]);
      if (channels === undefined) {
        ctx.addIssue({ code: 'custom', path: ['channels'], message: 'required: the channels to publish to ("channels" or "channel")' });
        return z.NEVER;
      }
      const repeated = channels.findIndex((name, index) => channels.indexOf(name) !== index);
      if (repeated >= 0) {
        ctx.addIssue({ code: 'custom', path: ['channels', repeated], message: `"${channels[repeated]}" is listed twice (names are case-insensitive)` });
        return z.NEVER;
      }
      return toPublish(body, event, channels);
    });
}

/** The zod schema of a `POST /pushy/batch_events` body for these limits: one channel per event. */
export function batchBodySchema(limits: TriggerBodyLimits): z.ZodType<EventToPublish[], unknown> {
  const channel = channelSchema(limits.maxChannelNameLength ?? MAX_CHANNEL_NAME_LENGTH);
  const item = z
    .object(
      {
        ...commonShape,
        channel,
        channels: z.never({ error: 'a batch event goes to one "channel"; POST /pushy/events publishes to several' }).optional(),
      },
      { error: 'must be an event object {"name", "data", "channel"}' },
    )
    .transform((body, ctx) => toPublish(body, eventOf(body, ctx), [body.channel]));
  return z
    .object(
      {
        batch: z
          .array(item, { error: 'must be a list of events' })
          .min(1, 'must have at least one event')
          .max(limits.maxBatchEvents, `must have at most ${limits.maxBatchEvents} events`),
      },
      { error: 'must be a JSON object {"batch": [...]}' },
    )
    .transform((body) => body.batch);
}

/**
 * Parses a `POST /pushy/events` body (already JSON-parsed), or throws `BAD_REQUEST` whose message
 * names the field: `Invalid body: channels[2]: must be a channel name ...`.
 */
export function parseEventsBody(body: unknown, limits: TriggerBodyLimits): EventToPublish {
  return parseWith(eventsBodySchema(limits), body);
}

/** Parses a `POST /pushy/batch_events` body, or throws `BAD_REQUEST` naming the field (`batch[3].channel: ...`). */
export function parseBatchBody(body: unknown, limits: TriggerBodyLimits): EventToPublish[] {
  return parseWith(batchBodySchema(limits), body);
}

function parseWith<T>(schema: z.ZodType<T, unknown>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new PushyError('BAD_REQUEST', `Invalid body: ${describeIssue(parsed.error)}`);
}
