import { z } from 'zod';
import { exceedsBytes, type CommandContext, type CommandHandler } from '../lib/command-registry.js';
import { PushyError } from '../lib/errors.js';
import { EVENTS, channelKind, channelNameSchema } from '../lib/protocol.js';

const schema = z.object({
  channel: channelNameSchema,
  auth: z.string().max(512).optional(),
  // Presence data: v1 clients send a JSON text; an object is accepted and signed as its JSON.
  data: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
});

type SubscribeData = z.output<typeof schema>;

/** What a subscribe frame answers in `pushy:reply`. */
export interface SubscribeResult {
  channel: string;
  subscribed: boolean;
  memberId?: string;
  reason?: string;
  needAuth?: boolean;
}

/**
 * `subscribe`: public channels are open; `private-` needs `auth`; presence (a `private-` with
 * `data`, or any `presence-`) joins the member list.
 */
const subscribe: CommandHandler<typeof schema> = {
  name: 'subscribe',
  schema,
  async handle(ctx: CommandContext, data: SubscribeData): Promise<SubscribeResult> {
    const { connection } = ctx;
    const { channel } = data;
    const fail = (reason: string): SubscribeResult => {
      connection.send(EVENTS.subscriptionFailed, undefined, { channel, reason });
      return { channel, subscribed: false, reason };
    };
    if (connection.subscriptions.has(channel)) return fail('Already subscribed to this channel');

    const kind = channelKind(channel);
    const presenceText = typeof data.data === 'string' ? data.data : data.data === undefined ? undefined : JSON.stringify(data.data);
    if (presenceText !== undefined && exceedsBytes(presenceText, ctx.limits.maxPresenceDataBytes)) {
      throw new PushyError('PRESENCE_DATA_TOO_LARGE', `Presence data larger than ${ctx.limits.maxPresenceDataBytes} bytes`);
    }
    if (kind !== 'public') {
      if (!data.auth) {
        connection.send(EVENTS.subscriptionNeedAuth, undefined, { channel });
        return { channel, subscribed: false, needAuth: true };
      }
      if (kind === 'presence' && presenceText === undefined) return fail('Presence data required on a presence channel');
      if (!ctx.authorize({ socketId: connection.id, channel, auth: data.auth, presenceData: presenceText })) {
        return fail('Invalid credentials');
      }
    }

    let presence: Record<string, unknown> | undefined;
    if (kind !== 'public' && presenceText !== undefined) {
      presence = parsePresence(presenceText);
      if (!presence) return fail('Invalid presence data: expected a JSON object');
    }

    const outcome = await ctx.channels.subscribe(connection, channel, presence);
    const success: Record<string, unknown> = { channel, memberId: outcome.memberId };
    if (outcome.presence) success.presence = outcome.presence;
    connection.send(EVENTS.subscriptionSuccess, undefined, success);
    return { channel, subscribed: true, memberId: outcome.memberId };
  },
};

function parsePresence(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export default subscribe;
