import { z } from 'zod';
import { MAX_CHANNEL_NAME_LENGTH } from '../config.js';

const CHANNEL_NAME_PATTERN = /^[A-Za-z0-9_\-=@,.;:]+$/;

/**
 * Names that pass the character rule but would collide with `Object.prototype` in any backend
 * or client that keys a plain object by channel name.
 */
const RESERVED_CHANNEL_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

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

/**
 * zod type of an event name a publisher may use (trigger, admin console, custom command): 1 to
 * 200 characters, not starting with `pushy:`. The same for every server, so not configured.
 */
export const eventNameSchema = z
  .string()
  .min(1)
  .max(MAX_EVENT_NAME_LENGTH)
  .refine((name) => !name.startsWith(RESERVED_EVENT_PREFIX), `event names starting with "${RESERVED_EVENT_PREFIX}" are reserved`);

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
