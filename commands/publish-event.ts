import { z } from 'zod';
import type { CommandContext, CommandHandler } from '../lib/native/command-registry.js';
import { eventNameSchema } from '../lib/channels/channel-policy.js';
import { PushyError } from '../lib/errors.js';
import { channelNameSchema } from '../lib/native/protocol.js';

const schema = z.object({
  channel: channelNameSchema,
  event: eventNameSchema,
  data: z.unknown().optional(),
});

/**
 * `publish-event`: a client publishes an ordinary event on a channel it subscribed to with a channel
 * token that has `"pub": true`. The event is a server event in every way (history, offsets,
 * every node), published as if triggered, except that the sender does not get it back. The
 * frame limits (size, rate) bound it as any frame; the token must still be valid. (Not named
 * `publish`: custom command folders may already have one of that name.)
 */
const publishEvent: CommandHandler<typeof schema> = {
  name: 'publish-event',
  schema,
  async handle(ctx: CommandContext, { channel, event, data }) {
    const { connection } = ctx;
    if (!connection.subscriptions.has(channel)) throw new PushyError('NOT_SUBSCRIBED');
    const grant = ctx.grants?.get(connection, channel);
    if (grant === undefined || !grant.pub) throw new PushyError('PUBLISH_NOT_ALLOWED');
    // The token said until when: a subscription outlives it, its publishing right does not.
    if (grant.expiresAt <= Date.now()) throw new PushyError('TOKEN_EXPIRED', 'Channel token has expired: subscribe again with a new token to publish');
    const nodes = await ctx.publish(channel, event, data ?? {}, { excludeSelf: true });
    return { channel, event, delivered: nodes > 0 };
  },
};

export default publishEvent;
