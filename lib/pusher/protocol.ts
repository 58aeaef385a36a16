import { z } from 'zod';

/**
 * Facts of the Pusher Channels wire protocol (version 7) that the Pusher front end needs:
 * channel name rules and kinds, close codes, and the shapes of client frames.
 * Source: ../shared/PUSHER.md section A.
 */

/** Oldest and newest `protocol` query values accepted on `/app/<key>`. */
export const PUSHER_PROTOCOL = { min: 4, max: 7 } as const;

/** Longest channel or event name, in characters (Pusher's limit). */
export const PUSHER_MAX_NAME_LENGTH = 200;

/** Prefix of the channel a signed-in user's events go to. */
export const USER_CHANNEL_PREFIX = '#server-to-user-';

const CHANNEL_NAME_PATTERN = /^[A-Za-z0-9_\-=@,.;]+$/;

/**
 * Close codes and the reconnect class pusher-js gives each (its `getCloseAction`): 4000-4099
 * never reconnect, 4100-4199 after a pause, 4200-4299 at once.
 */
export const PUSHER_CLOSES = {
  TLS_ONLY: { code: 4000, reason: 'Application only accepts SSL connections' },
  APP_NOT_FOUND: { code: 4001, reason: 'Application does not exist' },
  APP_DISABLED: { code: 4003, reason: 'Application is disabled' },
  OVER_CONNECTION_QUOTA: { code: 4004, reason: 'Application is over connection quota' },
  PATH_NOT_FOUND: { code: 4005, reason: 'Path not found' },
  INVALID_VERSION: { code: 4006, reason: 'Invalid version string format' },
  UNSUPPORTED_PROTOCOL: { code: 4007, reason: 'Unsupported protocol version' },
  NO_PROTOCOL: { code: 4008, reason: 'No protocol version supplied' },
  UNAUTHORIZED: { code: 4009, reason: 'Connection is unauthorized' },
  OVER_CAPACITY: { code: 4100, reason: 'Over capacity' },
  /** A client that does not read what it is sent (`limits.maxBufferedBytes`): it reconnects after a pause. */
  SLOW_CONSUMER: { code: 4100, reason: 'Slow consumer: the client is not reading fast enough' },
  SERVER_RESTARTING: { code: 4200, reason: 'Server is restarting: reconnect' },
  PONG_NOT_RECEIVED: { code: 4201, reason: 'Pong reply not received' },
  INACTIVE: { code: 4202, reason: 'Closed after inactivity' },
  CLIENT_EVENT_REJECTED: { code: 4301, reason: 'Client event rejected: rate limit exceeded' },
  /** Sent as `pusher:error` (the socket stays open, not signed in): the user data's watchlist is over 100 ids. */
  WATCHLIST_TOO_LONG: { code: 4302, reason: 'Watchlist too long: at most 100 user ids' },
} as const satisfies Record<string, { code: number; reason: string }>;

/** One of {@link PUSHER_CLOSES}. */
export type PusherClose = (typeof PUSHER_CLOSES)[keyof typeof PUSHER_CLOSES];

/** What a Pusher channel name says about the channel. */
export interface PusherChannelKind {
  /** Who may subscribe: anyone, a signed `auth`, a signed `auth` with member data, or the signed-in user. */
  access: 'public' | 'private' | 'presence' | 'user';
  /** `private-encrypted-`: the server relays ciphertext and refuses client events and multi-channel triggers. */
  encrypted: boolean;
  /** `cache-` variants: the last triggered event is sent to each new subscriber. */
  cache: boolean;
}

/** The kind of a Pusher channel, from its prefix. */
export function pusherChannelKind(channel: string): PusherChannelKind {
  if (channel.startsWith(USER_CHANNEL_PREFIX)) return { access: 'user', encrypted: false, cache: false };
  if (channel.startsWith('private-encrypted-')) return { access: 'private', encrypted: true, cache: channel.startsWith('private-encrypted-cache-') };
  if (channel.startsWith('private-')) return { access: 'private', encrypted: false, cache: channel.startsWith('private-cache-') };
  if (channel.startsWith('presence-')) return { access: 'presence', encrypted: false, cache: channel.startsWith('presence-cache-') };
  return { access: 'public', encrypted: false, cache: channel.startsWith('cache-') };
}

/**
 * True for a channel name Pusher accepts: 1-200 characters of `A-Z a-z 0-9 _ - = @ , . ;`
 * (case-sensitive), or the reserved `#server-to-user-<id>` of a signed-in user.
 */
export function isPusherChannelName(name: string, maxLength = PUSHER_MAX_NAME_LENGTH): boolean {
  if (name.length === 0 || name.length > maxLength) return false;
  const rest = name.startsWith(USER_CHANNEL_PREFIX) ? name.slice(USER_CHANNEL_PREFIX.length) : name;
  return rest.length > 0 && CHANNEL_NAME_PATTERN.test(rest);
}

/** zod type of a Pusher channel name. */
export const pusherChannelSchema = z.string().refine((name) => isPusherChannelName(name), { message: 'invalid channel name' });

/**
 * Event names: any text up to 200 characters (Laravel's names carry backslashes, so no
 * character rule beyond being non-empty).
 */
export const pusherEventNameSchema = z.string().min(1).max(PUSHER_MAX_NAME_LENGTH);

/** The envelope of every client frame. */
export const pusherClientFrameSchema = z.object({
  event: pusherEventNameSchema,
  channel: z.string().max(PUSHER_MAX_NAME_LENGTH + USER_CHANNEL_PREFIX.length).optional(),
  data: z.unknown().optional(),
});

/** `pusher:subscribe` data. pusher-js sends `"auth": ""` on public channels. */
export const pusherSubscribeSchema = z.object({
  channel: pusherChannelSchema,
  auth: z.string().max(512).optional(),
  channel_data: z.string().optional(),
});

/** `pusher:unsubscribe` data. */
export const pusherUnsubscribeSchema = z.object({ channel: z.string().max(PUSHER_MAX_NAME_LENGTH + USER_CHANNEL_PREFIX.length) });

/** `pusher:signin` data. */
export const pusherSigninSchema = z.object({ auth: z.string().max(512), user_data: z.string() });

/** Presence `channel_data`: the user id may be a string or a number; it is keyed as a string. */
export const pusherChannelDataSchema = z.object({
  user_id: z.union([z.string().min(1).max(200), z.number().finite()]),
  user_info: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Signin `user_data`: a non-empty string `id` (pusher-js `user.ts`), and optionally the
 * `watchlist` of user ids to be told about (its length is checked apart: over 100 is 4302).
 */
export const pusherUserDataSchema = z.looseObject({ id: z.string().min(1).max(200), watchlist: z.array(z.string().min(1).max(200)).optional() });
