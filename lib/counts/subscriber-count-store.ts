/**
 * A channel's subscribers across the cluster after a change, and the change's place in the
 * order of all of the channel's changes (`version` grows with each one, cluster-wide), so that a
 * node hearing two totals out of order keeps the newer one.
 */
export interface ChannelTotal {
  /** The channel's key (`channelKey(app, channel)`). */
  readonly channel: string;
  /** Subscribers of the channel on every live node. */
  readonly total: number;
  readonly version: number;
}

/**
 * How many subscribers each channel has across the cluster: every node writes its own count of
 * a channel when it changes, and learns the new sum. Counts of a node that died without cleaning
 * up are dropped once the node timeout declares it dead (shared stores only). Channels are named
 * by their key (`apps/namespace.ts`).
 */
export interface SubscriberCountStore {
  /** This node has `local` subscribers of `channel` now (0: none); resolves with the cluster's total after that. */
  set(channel: string, local: number): Promise<ChannelTotal>;
  /**
   * Totals that changed without a subscribe or unsubscribe (a dead node's counts dropped, this
   * node's put back after Redis lost them), reported to the one node that changed them. Returns
   * the listener's remover.
   */
  onChanged?(listener: (totals: ChannelTotal[]) => void): () => void;
  close(): Promise<void>;
}

/** Counts of one process: the node's own count is the cluster's. */
export class MemorySubscriberCountStore implements SubscriberCountStore {
  private version = 0;

  async set(channel: string, local: number): Promise<ChannelTotal> {
    this.version += 1;
    return { channel, total: local, version: this.version };
  }

  async close(): Promise<void> {}
}
