import { z } from 'zod';
import type { ChannelNameCheck, ChannelPolicy } from '../channels/channel-policy.js';
import { PUSHER_MAX_NAME_LENGTH, isPusherChannelName } from './protocol.js';

/**
 * Pusher's channel-name rule as a channel-core policy: case-sensitive (the name is kept as
 * given, never lowercased) and `#server-to-user-<id>` allowed; the core checks it on subscribe.
 */
function check(name: unknown): ChannelNameCheck {
  if (typeof name !== 'string' || !isPusherChannelName(name)) return { ok: false, reason: 'invalid channel name', tooLong: false };
  return { ok: true, name };
}

/** The policy the Pusher front end subscribes with. */
export const PUSHER_CHANNEL_POLICY: ChannelPolicy = {
  maxNameLength: PUSHER_MAX_NAME_LENGTH,
  check,
  channelName: z.string().transform((name, ctx) => {
    const checked = check(name);
    if (checked.ok) return checked.name;
    ctx.addIssue({ code: 'custom', message: checked.reason });
    return z.NEVER;
  }),
};
