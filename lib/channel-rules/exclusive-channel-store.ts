import type { OnFull } from './channel-rule.js';

/**
 * Who holds a place on a limited channel (a `channels` rule with `maxSubscribers`), decided
 * once for the whole cluster: two nodes claiming the last place at the same instant never both
 * get it. Only channels with a rule use the store.
 */

/** What a claim gave. */
export interface ClaimResult {
  /** The subscriber holds a place now (also when it held one already). */
  readonly admitted: boolean;
  /**
   * Subscribers that lost their place to it (`onFull: "replace"`), oldest first; they must be
   * unsubscribed wherever they are connected. Empty otherwise.
   */
  readonly evicted: readonly string[];
}

/** Memory and Redis implementations; both pass the same contract suite. */
export interface ExclusiveChannelStore {
  /**
   * Takes a place on `channel` of `app` for `subscriberId` (unique in the cluster, e.g. a
   * socket id), if fewer than `limit` hold one; when full, refuses (`reject`) or takes the
   * oldest holder's place (`replace`). Claiming a place already held changes nothing.
   */
  claim(app: string, channel: string, subscriberId: string, limit: number, onFull: OnFull): Promise<ClaimResult>;
  /** Gives the place back (unsubscribe, disconnect); nothing happens when it is not held. */
  release(app: string, channel: string, subscriberId: string): Promise<void>;
  /** The holders of a channel's places, oldest first. */
  holders(app: string, channel: string): Promise<string[]>;
  /**
   * Gives back every place claimed through the store of node `nodeId` (a node found dead, or this
   * one at shutdown) and says how many.
   */
  releaseNode(nodeId: string): Promise<number>;
  close(): Promise<void>;
}

/** Refuses what would corrupt a store: both implementations check the same way. */
export function checkClaim(subscriberId: string, limit: number): void {
  if (typeof subscriberId !== 'string' || subscriberId.length === 0) throw new TypeError('subscriberId must be a non-empty string');
  if (!Number.isSafeInteger(limit) || limit < 1) throw new TypeError('limit must be a positive integer');
}
