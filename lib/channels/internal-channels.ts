import { z } from 'zod';
import type { ChannelNameCheck, ChannelPolicy } from './channel-policy.js';

/**
 * Channels whose name starts with this belong to the server itself: a front end subscribes its
 * own connections to them (the Pusher front end's watchlist presence, say) to reuse the core's
 * cluster-wide presence and fan-out. No client policy accepts a `#` name of this shape, so no
 * client can subscribe, trigger or read one.
 */
export const INTERNAL_CHANNEL_PREFIX = '#internal-';

/**
 * True for a server-owned channel. The core keeps such channels out of everything clients and
 * operators count or are told about: channel hooks (webhooks, subscription counts), channel
 * listings and counts, the per-connection channel limit and the presence member cap.
 */
export function isInternalChannel(channel: string): boolean {
  return channel.startsWith(INTERNAL_CHANNEL_PREFIX);
}

function check(name: unknown): ChannelNameCheck {
  if (typeof name !== 'string' || !isInternalChannel(name)) return { ok: false, reason: 'not an internal channel', tooLong: false };
  return { ok: true, name };
}

/** The policy a front end subscribes its connections to an internal channel with: internal names only. */
export const INTERNAL_CHANNEL_POLICY: ChannelPolicy = {
  maxNameLength: 200,
  check,
  channelName: z.string().transform((name, ctx) => {
    const checked = check(name);
    if (checked.ok) return checked.name;
    ctx.addIssue({ code: 'custom', message: checked.reason });
    return z.NEVER;
  }),
};
