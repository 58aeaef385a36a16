import { z } from 'zod';
import type { CommandHandler } from '../lib/native/command-registry.js';
import { EVENTS, channelNameSchema } from '../lib/native/protocol.js';
import { isWildcardPattern } from '../lib/wildcards/pattern.js';
import { patternTextSchema, unsubscribePattern } from './subscribe-pattern.js';

const schema = z.object({ channel: z.union([patternTextSchema, channelNameSchema]) });

/** `unsubscribe`: leaves a channel (and its presence); answers `pushy:subscription-end`. */
const unsubscribe: CommandHandler<typeof schema> = {
  name: 'unsubscribe',
  schema,
  async handle(ctx, { channel }) {
    if (isWildcardPattern(channel)) return unsubscribePattern(ctx, channel);
    await ctx.channels.unsubscribe(ctx.connection, channel);
    ctx.grants?.set(ctx.connection, channel, undefined);
    await ctx.exclusive?.release(ctx.connection, channel);
    ctx.connection.send(EVENTS.subscriptionEnd, undefined, { channel });
    return { channel };
  },
};

export default unsubscribe;
