import { MAX_CHANNEL_NAME_LENGTH } from './limits.js';

/** Characters of a channel name (the native protocol's; case-insensitive, kept lowercased). */
export const CHANNEL_NAME_PATTERN = /^[A-Za-z0-9_\-=@,.;:]+$/;

/**
 * Names that pass the character rule but are refused: `.` and `..` are path segments (a URL
 * naming them addresses another path, so no trigger or history request can reach them), and the
 * others would collide with `Object.prototype` in any backend or client that keys a plain object
 * by channel name.
 */
export const RESERVED_CHANNEL_NAMES: ReadonlySet<string> = new Set(['.', '..', '__proto__', 'constructor', 'prototype']);

/** True for a lowercased channel name of at most `maxLength` characters that the rule accepts. */
export function isNormalisedChannelName(name: string, maxLength: number): boolean {
  return name.length > 0 && name.length <= maxLength && CHANNEL_NAME_PATTERN.test(name) && name === name.toLowerCase() && !RESERVED_CHANNEL_NAMES.has(name);
}

/**
 * Checks and normalises a channel name by the protocol's own rule (no configured limit):
 * lowercased, or `null` when it is not a valid name.
 */
export function normaliseChannelName(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_CHANNEL_NAME_LENGTH || !CHANNEL_NAME_PATTERN.test(name)) return null;
  const lower = name.toLowerCase();
  return RESERVED_CHANNEL_NAMES.has(lower) ? null : lower;
}
