import { z } from 'zod';

/** Protocol version this server speaks (sent in `pushy:connect`). */
export const PROTOCOL_VERSION = 2;

/** Longest channel name, in characters. */
export const MAX_CHANNEL_NAME_LENGTH = 200;

const CHANNEL_NAME_PATTERN = /^[A-Za-z0-9_\-=@,.;:]+$/;

/**
 * Names that pass the character rule but would collide with `Object.prototype` in any backend
 * or client that keys a plain object by channel name; refused with code 300.
 */
const RESERVED_CHANNEL_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

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

/**
 * Checks and normalises a channel name: lowercased, or `null` when it is not a valid name.
 */
export function normaliseChannelName(name: unknown): string | null {
  if (typeof name !== 'string') return null;
  if (name.length === 0 || name.length > MAX_CHANNEL_NAME_LENGTH) return null;
  if (!CHANNEL_NAME_PATTERN.test(name)) return null;
  const lower = name.toLowerCase();
  return RESERVED_CHANNEL_NAMES.has(lower) ? null : lower;
}

/** zod type of a channel name; parses to the lowercased name. */
export const channelNameSchema = z.string().transform((name, ctx) => {
  const normalised = normaliseChannelName(name);
  if (normalised === null) {
    ctx.addIssue({ code: 'custom', message: 'invalid channel name' });
    return z.NEVER;
  }
  return normalised;
});

/** The envelope of every client frame. `data` is validated by the command's own schema. */
export const clientFrameSchema = z.object({
  command: z.string().min(1).max(64),
  data: z.unknown().optional(),
  id: z.union([z.string().max(64), z.number().finite()]).optional(),
});

/** A parsed client frame. */
export type ClientFrame = z.infer<typeof clientFrameSchema>;

/** An id a client put on a frame, echoed in replies and errors. */
export type FrameId = string | number;

/** Every server-to-client frame has this shape. */
export interface ServerFrame {
  event: string;
  channel?: string;
  data?: unknown;
  /** (v2) Position of a channel event in its channel's history. */
  offset?: number;
}

/** Encodes one server frame as the JSON text that goes on the wire. */
export function encodeFrame(event: string, channel?: string, data?: unknown, offset?: number): string {
  const frame: ServerFrame = { event };
  if (channel !== undefined) frame.channel = channel;
  if (data !== undefined) frame.data = data;
  if (offset !== undefined) frame.offset = offset;
  return JSON.stringify(frame);
}

/** True for the server's own events (`pushy:…`), which never get an offset nor enter history. */
export function isReservedEvent(event: string): boolean {
  return event.startsWith('pushy:');
}

/** Channel kinds, by name prefix. */
export type ChannelKind = 'public' | 'private' | 'presence';

/** The kind of a (normalised) channel name. */
export function channelKind(channel: string): ChannelKind {
  if (channel.startsWith('presence-')) return 'presence';
  if (channel.startsWith('private-')) return 'private';
  return 'public';
}
