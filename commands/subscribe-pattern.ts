import { z } from 'zod';
import type { CommandContext } from '../lib/native/command-registry.js';
import { PushyError, isPushyError } from '../lib/errors.js';
import { EVENTS } from '../lib/native/protocol.js';
import { isWildcardPattern, parsePattern } from '../lib/wildcards/pattern.js';

/**
 * The `channel` of a subscribe or unsubscribe frame that names a wildcard pattern (`*` is in no
 * channel name): kept as text here, parsed (with a 301 saying what is wrong) by the command.
 */
export const patternTextSchema = z.string().max(1000).refine(isWildcardPattern);

/** What a pattern subscribe answers in `pushy:reply`. */
export interface PatternSubscribeResult {
  channel: string;
  subscribed: boolean;
  reason?: string;
  needAuth?: boolean;
}

/**
 * `subscribe` to a wildcard pattern (`orders.*`, `private-orders.**`): public patterns are open;
 * `private-` ones need `auth` (a signature over the pattern) or a channel token covering it;
 * `presence-` ones are refused (301). The success frame names the pattern; events arrive as the
 * frames of their concrete channels.
 */
export async function subscribePattern(ctx: CommandContext, data: { channel: string; auth?: string; token?: string }): Promise<PatternSubscribeResult> {
  const { connection } = ctx;
  if (!ctx.wildcards) throw new PushyError('INVALID_PATTERN', 'Wildcard subscriptions are not taken on this server');
  const pattern = parsePattern(data.channel);
  const channel = pattern.source;
  const fail = (refusal: PushyError): PatternSubscribeResult => {
    connection.send(EVENTS.subscriptionFailed, undefined, { channel, reason: refusal.message, code: refusal.code, name: refusal.errorName });
    return { channel, subscribed: false, reason: refusal.message };
  };
  if (data.token !== undefined) {
    if (!ctx.verifyToken) return fail(new PushyError('TOKEN_INVALID', 'Channel tokens are not taken on this server'));
    try {
      await ctx.verifyToken(data.token, pattern);
    } catch (error) {
      if (isPushyError(error)) return fail(error);
      throw error;
    }
  } else if (pattern.kind === 'private') {
    if (!data.auth) {
      connection.send(EVENTS.subscriptionNeedAuth, undefined, { channel });
      return { channel, subscribed: false, needAuth: true };
    }
    if (!ctx.authorize({ socketId: connection.id, channel, auth: data.auth })) return fail(new PushyError('INVALID_CREDENTIALS'));
  }
  try {
    await ctx.wildcards.subscribe(connection, pattern);
  } catch (error) {
    if (isPushyError(error) && error.errorName === 'ALREADY_SUBSCRIBED') return fail(error);
    throw error;
  }
  connection.send(EVENTS.subscriptionSuccess, undefined, { channel });
  return { channel, subscribed: true };
}

/** `unsubscribe` from a wildcard pattern: answers `pushy:subscription-end` naming it. */
export async function unsubscribePattern(ctx: CommandContext, text: string): Promise<{ channel: string }> {
  if (!ctx.wildcards) throw new PushyError('INVALID_PATTERN', 'Wildcard subscriptions are not taken on this server');
  const { source } = parsePattern(text);
  await ctx.wildcards.unsubscribe(ctx.connection, source);
  ctx.connection.send(EVENTS.subscriptionEnd, undefined, { channel: source });
  return { channel: source };
}
