import type { App } from '../apps/app.js';
import { channelKey, parseChannelKey } from '../apps/namespace.js';
import type { Broker } from '../broker/broker.js';
import type { ChannelHooks } from '../channels/channel-hooks.js';
import type { ChannelTotal, SubscriberCountStore } from '../counts/subscriber-count-store.js';
import type { Logger } from '../logger.js';
import type { WebhookEvent } from '../webhooks/webhook-event.js';
import { pusherChannelKind } from './protocol.js';

/** What {@link SubscriptionCounts} needs. */
export interface SubscriptionCountsDeps {
  /** The apps, as they are now (an app may switch `enableSubscriptionCount` while running). */
  apps: { get(id: string): App | undefined };
  /** Every node's subscribers per channel: cluster-wide on Redis. */
  store: SubscriberCountStore;
  /** Carries each new total to the channel's subscribers on every node. */
  broker: Broker;
  logger: Logger;
  /** Where `subscription_count` webhooks go (absent: none are sent). */
  webhooks?: { emit(appId: string, event: WebhookEvent): void };
}

/**
 * `pusher_internal:subscription_count` for apps that opt in (`enableSubscriptionCount`): follows
 * the channel core's subscriber counts (native subscribers included) of their non-presence
 * channels, writes this node's count to the shared store on each change and publishes the
 * cluster's new total through the broker, so that the channel's Pusher subscribers on every node
 * get it (the native front end shows no frame for it). The node that made a change also sends the
 * `subscription_count` webhook with that total, so there is one per change in the cluster; a dead
 * node's counts dropped by the store are announced by the node that dropped them.
 *
 * Only subscribes and unsubscribes cost a store write, never a delivered event; a burst of them on
 * one channel costs one write at a time, the last with the latest count.
 */
export class SubscriptionCounts implements ChannelHooks {
  /** Channels (by key) whose count is being written; `next` is a newer local count to write after it. */
  private readonly writing = new Map<string, { next: number | undefined }>();
  private readonly running = new Set<Promise<void>>();
  private readonly removeListener: (() => void) | undefined;
  private closed = false;

  constructor(private readonly deps: SubscriptionCountsDeps) {
    this.removeListener = deps.store.onChanged?.((totals) => {
      for (const total of totals) {
        const { app, channel } = parseChannelKey(total.channel);
        if (this.counted(app, channel)) this.track(this.announce(app, channel, total));
      }
    });
  }

  subscribersChanged(app: string, channel: string, count: number): void {
    if (this.closed || !this.counted(app, channel)) return;
    const key = channelKey(app, channel);
    const pending = this.writing.get(key);
    if (pending) {
      // One write per channel at a time: the one running is followed by one with the latest count.
      pending.next = count;
      return;
    }
    const entry = { next: undefined as number | undefined };
    this.writing.set(key, entry);
    this.track(this.write(app, channel, key, count, entry));
  }

  /**
   * Stops following subscribes and unsubscribes and waits for the writes under way; totals the
   * store still reports (its own close takes this node's counts out) are announced until
   * {@link close}. Shutdown: drain, close the store, close.
   */
  async drain(): Promise<void> {
    this.closed = true;
    await this.settled();
  }

  /** Stops announcing anything and waits for what is under way. */
  async close(): Promise<void> {
    this.closed = true;
    this.removeListener?.();
    await this.settled();
  }

  /** True for a channel whose counts are shown: a non-presence, non-user channel of an app that opted in. */
  private counted(app: string, channel: string): boolean {
    if (!this.deps.apps.get(app)?.enableSubscriptionCount) return false;
    const { access } = pusherChannelKind(channel);
    return access !== 'presence' && access !== 'user';
  }

  private async write(app: string, channel: string, key: string, count: number, entry: { next: number | undefined }): Promise<void> {
    let local = count;
    try {
      for (;;) {
        const total = await this.deps.store.set(key, local).catch((error: unknown) => {
          // Redis away: the store puts this node's counts back (and announces them) once it returns.
          this.deps.logger.warn("subscription count: could not write this node's count", { app, channel, error });
          return undefined;
        });
        // A newer local count waiting supersedes this total: only the last one is announced.
        if (entry.next === undefined && total) await this.announce(app, channel, total);
        if (entry.next === undefined) return;
        local = entry.next;
        entry.next = undefined;
      }
    } finally {
      this.writing.delete(key);
    }
  }

  private async announce(app: string, channel: string, { total, version }: ChannelTotal): Promise<void> {
    this.deps.webhooks?.emit(app, { name: 'subscription_count', channel, subscription_count: total });
    try {
      await this.deps.broker.publish({ type: 'subscription-count', app, channel, count: total, version });
    } catch (error) {
      this.deps.logger.warn('subscription count: could not publish the new total', { app, channel, error });
    }
  }

  private track(work: Promise<void>): void {
    const tracked: Promise<void> = work
      .catch((error: unknown) => this.deps.logger.error('subscription count failed', { error }))
      .finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  private async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
