import type { ChannelRule } from './channel-rule.js';

/** What to do with a new subscriber of a channel. */
export type Admission = 'admit' | 'reject' | 'replace-oldest';

/**
 * Decides a subscribe from the channel's rule and how many subscribers it has now (the new one
 * not counted): no rule or room left admits; a full channel rejects the newcomer or, with
 * `"onFull": "replace"`, admits it in place of the oldest subscriber. The same decision the
 * Redis script makes atomically for the whole cluster.
 */
export function decideAdmission(rule: ChannelRule | undefined, currentSubscribers: number): Admission {
  if (rule === undefined || currentSubscribers < rule.maxSubscribers) return 'admit';
  return rule.onFull === 'replace' ? 'replace-oldest' : 'reject';
}
