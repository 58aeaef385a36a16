import { z } from 'zod';

/**
 * Channel rules (Martd's exclusive `one2one` channels): config `channels`, a list of
 * `{"match": "game-*", "maxSubscribers": 1, "onFull": "reject" | "replace"}`. The first rule
 * whose `match` fits a channel's name applies to it.
 */

/** What happens to a subscribe when the channel already has `maxSubscribers`. */
export const ON_FULL = ['reject', 'replace'] as const;
export type OnFull = (typeof ON_FULL)[number];

/** Most subscribers a rule may allow: past this a rule limits nothing worth enforcing cluster-wide. */
export const MAX_RULE_SUBSCRIBERS = 1_000_000;

/** One rule, as written in the config file. */
export const channelRuleSchema = z.strictObject({
  match: z
    .string({ error: 'must be a channel name pattern, e.g. "game-*"' })
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters')
    .regex(/^[A-Za-z0-9_\-=@,.;:*]+$/, 'may contain only channel-name characters (A-Z a-z 0-9 _ - = @ , . ; :) and "*"'),
  maxSubscribers: z
    .number({ error: 'must be a whole number of subscribers' })
    .int('must be a whole number of subscribers')
    .min(1, 'must be at least 1')
    .max(MAX_RULE_SUBSCRIBERS, `must be at most ${MAX_RULE_SUBSCRIBERS}`),
  onFull: z.enum(ON_FULL, { error: 'must be "reject" (refuse the newcomer) or "replace" (unsubscribe the oldest subscriber)' }).default('reject'),
});

/** A rule, parsed: `onFull` defaults to `"reject"`. */
export type ChannelRule = z.output<typeof channelRuleSchema>;

/** The whole `channels` option. */
export const channelRulesSchema = z.array(channelRuleSchema, { error: 'must be a list of {"match", "maxSubscribers", "onFull"}' }).max(1000, 'must have at most 1000 rules');
