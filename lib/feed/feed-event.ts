import { z } from 'zod';

/**
 * The events feed (Pushcart's): with `feed.enabled` and the Redis adapter, every published event
 * is also sent on one Redis pub/sub channel (`feed.channel`) as one JSON text, for programs
 * that are not Pushy clients (loggers, bridges, analytics). The format is stable: these five
 * fields keep their names and meaning; fields may be added, so consumers ignore unknown ones.
 */

/** One published event, as the feed carries it. */
export interface FeedEvent {
  /** The app's id (`default` for the top-level secretKey's app). */
  app: string;
  /** The (lowercased) channel name. */
  channel: string;
  event: string;
  /** The event's data, as triggered (any JSON value). */
  data: unknown;
  /** The event's position in its channel's history (1, 2, ...), as clients see it. */
  offset: number;
}

/** A valid `feed.channel`: 1 to 200 printable ASCII characters, no spaces. */
export const FEED_CHANNEL_PATTERN = /^[\x21-\x7e]{1,200}$/;

/**
 * The feed text of an event: `{"app","channel","event","data","offset"}` in this order. Built
 * once per event, whatever the number of consumers.
 */
export function encodeFeedEvent(event: FeedEvent): string {
  return JSON.stringify({
    app: event.app,
    channel: event.channel,
    event: event.event,
    data: event.data === undefined ? null : event.data,
    offset: event.offset,
  });
}

/** The feed format, for consumers written in TypeScript (other fields are let through). */
export const feedEventSchema = z.looseObject({
  app: z.string(),
  channel: z.string(),
  event: z.string(),
  data: z.unknown(),
  offset: z.number().int().min(1),
});

/** Reads one feed message; `undefined` when it is not one (not JSON, a field missing or wrong). */
export function decodeFeedEvent(text: string): FeedEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = feedEventSchema.safeParse(value);
  return parsed.success ? { app: parsed.data.app, channel: parsed.data.channel, event: parsed.data.event, data: parsed.data.data, offset: parsed.data.offset } : undefined;
}
