import { z } from 'zod';
import type { CommandContext, CommandHandler } from '../lib/native/command-registry.js';
import { channelKind, eventNameSchema } from '../lib/channels/channel-policy.js';
import { PushyError } from '../lib/errors.js';
import { isClientEvent } from '../lib/native/client-events.js';
import { channelNameSchema } from '../lib/native/protocol.js';

const schema = z.object({
  channel: channelNameSchema,
  event: eventNameSchema,
  data: z.unknown().optional(),
});

/**
 * `publish-event`: a client publishes an event on a channel it is subscribed to. The sender
 * never gets it back; the frame limits (size, rate) bound it as any frame. (Not named `publish`:
 * custom command folders may already have one of that name.)
 *
 * - `client-*` events (client events): on private and presence channels, while
 *   `clientEvents.enabled`, at most `clientEvents.perSecond`; on presence they carry the
 *   sender's `memberId`.
 * - any other event: only on a subscription made with a channel token that has `"pub": true`
 *   (still valid), published as if triggered.
 *
 * Both go through the channel core like a trigger: history, offsets, every node.
 */
const publishEvent: CommandHandler<typeof schema> = {
  name: 'publish-event',
  schema,
  async handle(ctx: CommandContext, { channel, event, data }) {
    const { connection } = ctx;
    const subscription = connection.subscriptions.get(channel);
    if (subscription === undefined) throw new PushyError('NOT_SUBSCRIBED');
    let memberId: string | undefined;
    if (isClientEvent(event)) {
      if (!ctx.clientEvents) throw new PushyError('CLIENT_EVENTS_DISABLED');
      ctx.clientEvents.admit(connection, channel);
      if (channelKind(channel) === 'presence') memberId = subscription.memberId;
    } else {
      const grant = ctx.grants?.get(connection, channel);
      if (grant === undefined || !grant.pub) throw new PushyError('PUBLISH_NOT_ALLOWED');
      // The token said until when: a subscription outlives it, its publishing right does not.
      if (grant.expiresAt <= Date.now()) throw new PushyError('TOKEN_EXPIRED', 'Channel token has expired: subscribe again with a new token to publish');
    }
    const message = { type: 'event' as const, app: connection.app, channel, event, data: data ?? {}, excludeSocketId: connection.id };
    const nodes = await ctx.channels.publish(memberId === undefined ? message : { ...message, memberId });
    if (isClientEvent(event)) {
      // On presence, the sender's user id (its presence `id`), else the member it is.
      const userId = memberId === undefined ? undefined : subscription.memberKey?.startsWith('m:') ? memberId : subscription.memberKey?.slice(2);
      const seen = { channel, event, data: data ?? {}, socketId: connection.id };
      ctx.webhooks?.clientEvent(connection.app, userId === undefined ? seen : { ...seen, userId });
    }
    return { channel, event, delivered: nodes > 0 };
  },
};

export default publishEvent;
