import { z } from 'zod';
import { MAX_CHANNEL_NAME_LENGTH } from '../config.js';

import { CHANNEL_NAME_PATTERN, RESERVED_CHANNEL_NAMES } from '../util/channel-name.js';


/** Longest event name a publisher may use. */
export const MAX_EVENT_NAME_LENGTH = 200;

/** Event names starting with this are the server's own: no publisher may use them. */
export const RESERVED_EVENT_PREFIX = 'pushy:';

/** Channel kinds, by name prefix. */
export type ChannelKind = 'public' | 'private' | 'presence';

/** The kind of a (normalised) channel name. */
export function channelKind(channel: string): ChannelKind {
  if (channel.startsWith('presence-')) return 'presence';
  if (channel.startsWith('private-')) return 'private';
  return 'public';
}

/** What checking a channel name gave: the normalised name, or why it is refused. */
export type ChannelNameCheck =
  | { ok: true; name: string }
  /** `tooLong`: a valid name, but over the configured `maxNameLength`. */
  | { ok: false; reason: string; tooLong: boolean };

/**
 * The channel-name rule, built once from the configuration and handed to every place that takes
 * a channel name from outside (subscribe, the HTTP trigger and history, the admin API, a custom
 * command's publish), so that no route can forget the configured limit.
 */
export interface ChannelPolicy {
  /** Longest channel name accepted (`limits.maxChannelNameLength`). */
  readonly maxNameLength: number;
  /**
   * Checks a channel name: 1 to `maxNameLength` characters of `A-Z a-z 0-9 _ - = @ , . ; :`,
   * not a reserved name. Names are case-insensitive: the accepted name is lowercased.
   */
  check(name: unknown): ChannelNameCheck;
  /** zod type of a channel name (see {@link check}): parses to the lowercased name. */
  readonly channelName: z.ZodType<string, string>;
}

/** Options of {@link createChannelPolicy}. */
export interface ChannelPolicyOptions {
  /** Longest channel name, 1 to 200 (default 200, the protocol's own limit). */
  maxNameLength?: number;
}

/** A name that passed, or why it did not. */
export type NameCheck = { ok: true; name: string } | { ok: false; reason: string };

/**
 * Checks an event name to be published on a channel (trigger, admin console, custom command): 1
 * to 200 characters, never `pushy:…` (the server's own events: a publisher must not fake a
 * presence change). The same for every server, so not configured.
 */
export function checkEventName(name: unknown): NameCheck {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_EVENT_NAME_LENGTH) {
    return { ok: false, reason: `Event name must be 1 to ${MAX_EVENT_NAME_LENGTH} characters` };
  }
  if (name.startsWith(RESERVED_EVENT_PREFIX)) return { ok: false, reason: `Event names starting with "${RESERVED_EVENT_PREFIX}" are reserved` };
  return { ok: true, name };
}

/** zod type of an event name a publisher may use ({@link checkEventName}). */
export const eventNameSchema = z.string().transform((name, ctx) => {
  const checked = checkEventName(name);
  if (checked.ok) return checked.name;
  ctx.addIssue({ code: 'custom', message: checked.reason });
  return z.NEVER;
});

/** Builds the policy for one server. */
export function createChannelPolicy(options: ChannelPolicyOptions = {}): ChannelPolicy {
  const maxNameLength = Math.min(options.maxNameLength ?? MAX_CHANNEL_NAME_LENGTH, MAX_CHANNEL_NAME_LENGTH);
  const tooLong = `longer than ${maxNameLength} characters`;
  const check = (name: unknown): ChannelNameCheck => {
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_CHANNEL_NAME_LENGTH || !CHANNEL_NAME_PATTERN.test(name)) {
      return { ok: false, reason: 'invalid channel name', tooLong: false };
    }
    const lower = name.toLowerCase();
    if (RESERVED_CHANNEL_NAMES.has(lower)) return { ok: false, reason: 'invalid channel name', tooLong: false };
    if (lower.length > maxNameLength) return { ok: false, reason: tooLong, tooLong: true };
    return { ok: true, name: lower };
  };
  const channelName = z.string().transform((name, ctx) => {
    const checked = check(name);
    if (checked.ok) return checked.name;
    ctx.addIssue({ code: 'custom', message: checked.reason });
    return z.NEVER;
  });
  return { maxNameLength, check, channelName };
}

/** The policy without configuration: the protocol's own limits. */
export const DEFAULT_CHANNEL_POLICY = createChannelPolicy();

export { normaliseChannelName } from '../util/channel-name.js';

/** True for the server's own events (`pushy:…`), which no publisher may use. */
export function isReservedEvent(event: string): boolean {
  return event.startsWith(RESERVED_EVENT_PREFIX);
}
