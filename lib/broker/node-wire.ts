import { z } from 'zod';
import { DEFAULT_APP } from '../apps/namespace.js';
import type { Member } from '../presence/presence-store.js';
import { RawJson, storedJson } from '../raw-json.js';
import type { BrokerMessage, PresenceMessage, SubscriptionCountMessage } from './broker.js';

/*
 * How broker messages travel between nodes (Redis pub/sub): JSON in the shape nodes of every
 * version read, so that nodes of two versions can run side by side during a rolling upgrade. A
 * presence change goes as the event earlier versions published for it (`pushy:presence-add` or
 * `pushy:presence-quit`, data `{member}`), a subscription count as `pushy:subscription-count`
 * (data `{count, version}`), and the default app's messages carry no `app`.
 */

/** The event names presence changes travel under. */
const PRESENCE_EVENTS: Record<PresenceMessage['event'], string> = { 'member-added': 'pushy:presence-add', 'member-removed': 'pushy:presence-quit' };
const PRESENCE_CHANGES = new Map(Object.entries(PRESENCE_EVENTS).map(([change, event]) => [event, change as PresenceMessage['event']]));

/** Shape check of what arrives (from another node, or anyone who can PUBLISH there). */
const wireSchema = z.object({
  type: z.literal('event'),
  app: z.string().optional(),
  channel: z.string(),
  event: z.string(),
  data: z.unknown(),
  /** `data` was written as a RawJson's text, to be taken back from the payload as is (see {@link RAW_DATA}). */
  raw: z.literal(true).optional(),
  excludeSocketId: z.string().optional(),
  userId: z.string().optional(),
  offset: z.number().int().nonnegative().optional(),
  epoch: z.string().optional(),
  memberId: z.string().max(64).optional(),
});

/**
 * Comes right before the text of raw data, which ends the payload. It cannot occur earlier: the
 * fields before it are JSON.stringify's, whose string values have every `"` escaped.
 */
const RAW_DATA = ',"raw":true,"data":';

const presenceDataSchema = z.object({ member: z.record(z.string(), z.unknown()) });

/** The event a subscription count travels under. */
const COUNT_EVENT = 'pushy:subscription-count';
const countDataSchema = z.object({ count: z.number().int().nonnegative(), version: z.number().nonnegative() });

/** The JSON text of a message for the other nodes. */
export function encodeNodeMessage(message: BrokerMessage): string {
  if (message.type === 'presence') {
    const { app, channel, event, member, excludeSocketId } = message;
    return JSON.stringify({ type: 'event', app: app === DEFAULT_APP ? undefined : app, channel, event: PRESENCE_EVENTS[event], data: { member }, excludeSocketId });
  }
  if (message.type === 'subscription-count') {
    const { app, channel, count, version } = message;
    return JSON.stringify({ type: 'event', app: app === DEFAULT_APP ? undefined : app, channel, event: COUNT_EVENT, data: { count, version } });
  }
  if (message.data instanceof RawJson) {
    // Data held as a RawJson is spliced in as its text, last: a node of an earlier version reads
    // it as the JSON it is, and this version takes the exact text back, byte for byte.
    const { type, app, channel, event, excludeSocketId, offset, epoch, memberId } = message;
    const head = JSON.stringify({ type, app: app === DEFAULT_APP ? undefined : app, channel, event, excludeSocketId, offset, epoch, memberId });
    return `${head.slice(0, -1)}${RAW_DATA}${message.data.text}}`;
  }
  // The usual case as it is: spreading a copy here would cost more than the rest of a publish.
  if (message.app !== DEFAULT_APP) return JSON.stringify(message);
  return JSON.stringify({ ...message, app: undefined });
}

/**
 * A message another node sent as `text`, or undefined when it is not one (the caller logs it).
 * Throws when the text is not JSON.
 */
export function decodeNodeMessage(text: string): BrokerMessage | undefined {
  const parsed = wireSchema.safeParse(JSON.parse(text));
  if (!parsed.success) return undefined;
  const message = parsed.data;
  if (message.raw === true) {
    // No rest spread on this path (once per message per node): the flag is cleared in place.
    message.data = storedJson(text.slice(text.indexOf(RAW_DATA) + RAW_DATA.length, -1));
    message.raw = undefined;
  }
  if (message.event === COUNT_EVENT) return countMessage(message.app, message.channel, message.data);
  const change = PRESENCE_CHANGES.get(message.event);
  if (change === undefined) return message;
  const data = presenceDataSchema.safeParse(message.data);
  if (!data.success) return undefined;
  const presence: PresenceMessage = { type: 'presence', channel: message.channel, event: change, member: data.data.member as Member };
  if (message.app !== undefined) presence.app = message.app;
  if (message.excludeSocketId !== undefined) presence.excludeSocketId = message.excludeSocketId;
  return presence;
}

/** A subscription count from its wire event, or undefined when its data is not one. */
function countMessage(app: string | undefined, channel: string, data: unknown): SubscriptionCountMessage | undefined {
  const parsed = countDataSchema.safeParse(data);
  if (!parsed.success) return undefined;
  const count: SubscriptionCountMessage = { type: 'subscription-count', channel, count: parsed.data.count, version: parsed.data.version };
  if (app !== undefined) count.app = app;
  return count;
}
