import type { ChannelManager } from '../channels/channel-manager.js';
import type { WebhookEvent } from '../webhooks/webhook-event.js';
import { encodeStringDataFrame } from './frames.js';

/** A Pusher session as the counts see it. */
export interface CountedSession {
  readonly app: string;
  deliver(frame: string): void;
}

/**
 * `pusher_internal:subscription_count` for apps that opt in (`enableSubscriptionCount`): after
 * every subscribe and unsubscribe of a non-presence channel, its Pusher subscribers on this node
 * get the channel's subscriber count on this node (native subscribers included). This node's
 * count only: a cluster-wide one would need a shared counter per channel. Each new count also
 * goes to the app's `subscription_count` webhooks (when `webhooks` is given).
 */
export class SubscriptionCounts {
  /** Pusher sessions by channel key, of the opted-in apps only. */
  private readonly byChannel = new Map<string, Set<CountedSession>>();

  constructor(
    private readonly channels: ChannelManager,
    private readonly webhooks?: { emit(appId: string, event: WebhookEvent): void },
  ) {}

  /** `session` is now subscribed to `channel`: everyone on it hears the new count. */
  joined(session: CountedSession, channel: string): void {
    const key = `${session.app}\n${channel}`;
    let sessions = this.byChannel.get(key);
    if (!sessions) this.byChannel.set(key, (sessions = new Set()));
    sessions.add(session);
    this.announce(session.app, channel, sessions);
  }

  /** `session` left `channel` (call once the channel core dropped it). */
  left(session: CountedSession, channel: string): void {
    const key = `${session.app}\n${channel}`;
    const sessions = this.byChannel.get(key);
    if (!sessions?.delete(session)) return;
    if (sessions.size === 0) {
      this.byChannel.delete(key);
      this.report(session.app, channel, this.channels.localSubscriberCount(channel, session.app));
    } else this.announce(session.app, channel, sessions);
  }

  private announce(app: string, channel: string, sessions: ReadonlySet<CountedSession>): void {
    const count = this.channels.localSubscriberCount(channel, app);
    const frame = encodeStringDataFrame('pusher_internal:subscription_count', { subscription_count: count }, channel);
    for (const session of sessions) session.deliver(frame);
    this.report(app, channel, count);
  }

  private report(app: string, channel: string, count: number): void {
    this.webhooks?.emit(app, { name: 'subscription_count', channel, subscription_count: count });
  }
}
