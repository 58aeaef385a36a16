import { z } from 'zod';
import { MAX_CHANNEL_NAME_LENGTH, isReservedEvent, normaliseChannelName } from '../protocol.js';

/** Longest event name a backend, the admin console or a command may publish. */
export const MAX_EVENT_NAME_LENGTH = 200;

/** A name that passed, normalised, or why it did not. */
export type NameCheck = { ok: true; name: string } | { ok: false; reason: string };

/**
 * Checks an event name to be published on a channel: 1 to 200 characters, never `pushy:…` (the
 * server's own events: a publisher must not fake a presence change). Not configurable, so the
 * same for every {@link NamePolicy}.
 */
export function checkEventName(name: unknown): NameCheck {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_EVENT_NAME_LENGTH) {
    return { ok: false, reason: `Event name must be 1 to ${MAX_EVENT_NAME_LENGTH} characters` };
  }
  if (isReservedEvent(name)) return { ok: false, reason: 'Event names starting with "pushy:" are reserved' };
  return { ok: true, name };
}

/** zod type of an event name a publisher may use ({@link checkEventName}). */
export const eventNameSchema = z.string().transform((name, ctx) => parsed(checkEventName(name), ctx));

/**
 * The one rule for the channel and event names that clients and publishers may use, built once
 * from config and handed to every entry point: subscribe (through the channel manager), the
 * trigger and history routes, the admin API and custom commands' `publish`. Each maps a refusal
 * to its own error (socket code 300/400, HTTP 400); the rule itself exists once.
 *
 * Channels: the protocol's characters and reserved names (see {@link normaliseChannelName}),
 * lowercased, at most `limits.maxChannelNameLength` characters. Events: {@link checkEventName}.
 */
export class NamePolicy {
  /** zod type of a channel name under this policy; parses to the normalised name. */
  readonly channelSchema = z.string().transform((name, ctx) => parsed(this.channel(name), ctx));
  /** zod type of an event name a publisher may use. */
  readonly eventSchema = eventNameSchema;

  constructor(readonly maxChannelNameLength = MAX_CHANNEL_NAME_LENGTH) {}

  /** Checks and normalises a channel name. */
  channel(name: unknown): NameCheck {
    const normalised = normaliseChannelName(name);
    if (normalised === null) return { ok: false, reason: 'Invalid channel name' };
    if (normalised.length > this.maxChannelNameLength) return { ok: false, reason: `Channel name longer than ${this.maxChannelNameLength} characters` };
    return { ok: true, name: normalised };
  }

  /** Checks an event name to be published on a channel ({@link checkEventName}). */
  event(name: unknown): NameCheck {
    return checkEventName(name);
  }
}

/** A check's name for zod, or its reason as the issue. */
function parsed(check: NameCheck, ctx: z.RefinementCtx): string {
  if (check.ok) return check.name;
  ctx.addIssue({ code: 'custom', message: check.reason });
  return z.NEVER;
}
