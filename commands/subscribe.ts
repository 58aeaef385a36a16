import { z } from 'zod';
import { exceedsBytes, type CommandContext, type CommandHandler } from '../lib/native/command-registry.js';
import { PushyError, isPushyError, type ErrorName } from '../lib/errors.js';
import { DEFAULT_MAX_TOKEN_LENGTH, type ChannelGrant } from '../lib/tokens/verify-channel-token.js';
import { channelKind } from '../lib/channels/channel-policy.js';
import { EVENTS, channelNameSchema } from '../lib/native/protocol.js';
import { checkJsonDepth } from '../lib/util/json-depth.js';
import { isWildcardPattern } from '../lib/wildcards/pattern.js';
import { patternTextSchema, subscribePattern } from './subscribe-pattern.js';

const schema = z.object({
  // A channel name (lowercased), or a wildcard pattern (see ./subscribe-pattern.ts).
  channel: z.union([patternTextSchema, channelNameSchema]),
  auth: z.string().max(512).optional(),
  // A channel token (a JWT the backend signed): replaces `auth`, and `data` on presence.
  token: z.string().max(DEFAULT_MAX_TOKEN_LENGTH).optional(),
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
  async handle(ctx: CommandContext, frameData: SubscribeData): Promise<SubscribeResult> {
    if (isWildcardPattern(frameData.channel)) return subscribePattern(ctx, frameData);
    const { connection } = ctx;
    let data = frameData;
    const { channel } = data;
    // The refusal's catalogue code and name go with the v1 reason text, so clients need not match text.
    const fail = (refusal: ErrorName | PushyError): SubscribeResult => {
      const { code, message: reason, errorName: name } = typeof refusal === 'string' ? new PushyError(refusal) : refusal;
      connection.send(EVENTS.subscriptionFailed, undefined, { channel, reason, code, name });
      return { channel, subscribed: false, reason };
    };
    if (connection.subscriptions.has(channel)) return fail('ALREADY_SUBSCRIBED');

    const kind = channelKind(channel);
    let grant: ChannelGrant | undefined;
    if (data.token !== undefined) {
      if (!ctx.verifyToken) return fail(new PushyError('TOKEN_INVALID', 'Channel tokens are not taken on this server'));
      try {
        grant = await ctx.verifyToken(data.token, channel);
      } catch (error) {
        if (isPushyError(error)) return fail(error);
        throw error;
      }
      // The token is the authorisation, and on presence its claim is the member.
      // A token without one names no member: the client cannot pick one itself.
      data = { ...data, data: grant.presence === undefined ? undefined : JSON.stringify(grant.presence) };
      if (kind === 'presence' && grant.presence === undefined) return fail('PRESENCE_DATA_REQUIRED');
    }
    const presenceText = typeof data.data === 'string' ? data.data : data.data === undefined ? undefined : JSON.stringify(data.data);
    if (presenceText !== undefined && exceedsBytes(presenceText, ctx.limits.maxPresenceDataBytes)) {
      throw new PushyError('PRESENCE_DATA_TOO_LARGE', `Presence data larger than ${ctx.limits.maxPresenceDataBytes} bytes`);
    }
    if (kind !== 'public' && grant === undefined) {
      if (!data.auth) {
        connection.send(EVENTS.subscriptionNeedAuth, undefined, { channel });
        return { channel, subscribed: false, needAuth: true };
      }
      if (kind === 'presence' && presenceText === undefined) return fail('PRESENCE_DATA_REQUIRED');
      if (!ctx.authorize({ socketId: connection.id, channel, auth: data.auth, presenceData: presenceText })) {
        return fail('INVALID_CREDENTIALS');
      }
    }

    let presence: Record<string, unknown> | undefined;
    if (kind !== 'public' && presenceText !== undefined) {
      presence = parsePresence(presenceText);
      if (!presence) return fail('INVALID_PRESENCE_DATA');
    }

    // The channel core sends the success frame (through the connection), then the missed events
    // (with `since`), then the live ones.
    // A place on an exclusive channel first: a full one refuses here, before anything is joined.
    const full = await ctx.exclusive?.claim(connection, channel);
    if (full) return fail(full);
    let outcome: Awaited<ReturnType<typeof ctx.channels.subscribe>>;
    try {
      outcome = await ctx.channels.subscribe(connection, channel, presence, { since: data.since });
    } catch (error) {
      await ctx.exclusive?.release(connection, channel);
      throw error;
    }
    ctx.grants?.set(connection, channel, grant);
    const result: SubscribeResult = { channel, subscribed: true, memberId: outcome.memberId };
    // No position while the history store is away: the client then has nothing to resume from.
    if (outcome.offset !== undefined) {
      result.offset = outcome.offset;
      result.epoch = outcome.epoch;
    }
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
