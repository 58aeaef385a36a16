import { z } from 'zod';
import { exceedsBytes, type CommandContext, type CommandHandler } from '../lib/command-registry.js';
import { PushyError } from '../lib/errors.js';
import { checkJsonDepth } from '../lib/json-depth.js';
import { EVENTS, channelKind, channelNameSchema } from '../lib/protocol.js';

const schema = z.object({
  channel: channelNameSchema,
  auth: z.string().max(512).optional(),
  // Presence data: v1 clients send a JSON text; an object is accepted and signed as its JSON.
  data: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  // (v2) Where the client left off: the offset of the last event it got, and that channel's epoch.
  since: z
    .object({
      offset: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
      epoch: z.string().max(128),
    })
    .optional(),
});

type SubscribeData = z.output<typeof schema>;

/** What a subscribe frame answers in `pushy:reply`. */
export interface SubscribeResult {
  channel: string;
  subscribed: boolean;
  memberId?: string;
  /** (v2) The channel's offset and epoch at the subscription. */
  offset?: number;
  epoch?: string;
  /** (v2) Only for a subscribe with `since`: whether every missed event was sent. */
  recovered?: boolean;
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

    // The success frame goes out from inside subscribe: right after it come the missed events
    // (with `since`), then the live ones.
    const outcome = await ctx.channels.subscribe(connection, channel, presence, {
      since: data.since,
      onSubscribed: (subscribed) => {
        const success: Record<string, unknown> = { channel, memberId: subscribed.memberId };
        if (subscribed.presence) success.presence = subscribed.presence;
        success.offset = subscribed.offset;
        success.epoch = subscribed.epoch;
        if (subscribed.recovered !== undefined) success.recovered = subscribed.recovered;
        connection.send(EVENTS.subscriptionSuccess, undefined, success);
      },
    });
    const result: SubscribeResult = { channel, subscribed: true, memberId: outcome.memberId, offset: outcome.offset, epoch: outcome.epoch };
    if (outcome.recovered !== undefined) result.recovered = outcome.recovered;
    return result;
  },
};

function parsePresence(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  // Members go out in presence frames: their data must encode again.
  checkJsonDepth(text, 'Presence data');
  return value as Record<string, unknown>;
}

export default subscribe;
