import { DEFAULT_APP, channelKey } from '../apps/namespace.js';
import type { Broker, BrokerMessage } from '../broker/broker.js';
import { PushyError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { TrafficCounters } from '../stats/traffic.js';
import { WildcardIndex } from '../wildcards/wildcard-index.js';
import type { WildcardPattern } from '../wildcards/pattern.js';
import { FrameCache } from './frame-cache.js';
import type { Subscriber } from './subscriber.js';

/** A subscriber that says when it goes (its pattern subscriptions go with it). */
export type PatternSubscriber = Subscriber & { onClose(listener: () => void): unknown };

/** What {@link WildcardSubscriptions} needs. */
export interface WildcardSubscriptionsDeps {
  broker: Broker;
  logger: Logger;
  /** Most channels and patterns one connection may hold together (`limits.maxChannelsPerConnection`). */
  maxPerConnection?: number;
  traffic?: TrafficCounters;
}

/**
 * Wildcard subscriptions (`orders.*`, `orders.**`) of one node: a trie per app (matching an
 * event costs the segments of its channel name, not the number of patterns), and the broker
 * told to bring this node every channel a pattern can match (`subscribePrefix` of the pattern's
 * literal segments). An event reaches a subscriber once, as the ordinary frame of its concrete
 * channel, however many of its patterns match; a subscriber of the channel itself gets it
 * from the channel core and is skipped here. No history replay: offsets belong to channels.
 */
export class WildcardSubscriptions {
  private readonly byApp = new Map<string, WildcardIndex<PatternSubscriber>>();
  private readonly bySubscriber = new Map<PatternSubscriber, Map<string, WildcardPattern>>();

  constructor(private readonly deps: WildcardSubscriptionsDeps) {
    deps.broker.onMessage((message) => this.deliver(message));
  }

  /** Subscribes to a (parsed) pattern; the caller checked its authorisation. */
  async subscribe(subscriber: PatternSubscriber, pattern: WildcardPattern): Promise<void> {
    let held = this.bySubscriber.get(subscriber);
    if (held?.has(pattern.source)) throw new PushyError('ALREADY_SUBSCRIBED');
    const count = (held?.size ?? 0) + subscriber.subscriptions.size;
    if (this.deps.maxPerConnection !== undefined && count >= this.deps.maxPerConnection) throw new PushyError('TOO_MANY_SUBSCRIPTIONS');
    if (held === undefined) {
      held = new Map();
      this.bySubscriber.set(subscriber, held);
      subscriber.onClose(() => this.removeAll(subscriber));
    }
    held.set(pattern.source, pattern);
    let index = this.byApp.get(subscriber.app);
    if (index === undefined) this.byApp.set(subscriber.app, (index = new WildcardIndex()));
    if (index.add(pattern, subscriber)) await this.deps.broker.subscribePrefix?.(prefixKey(subscriber.app, pattern));
  }

  /** Ends a pattern subscription (`source`: the normalised pattern text); NOT_SUBSCRIBED when there is none. */
  async unsubscribe(subscriber: PatternSubscriber, source: string): Promise<void> {
    const pattern = this.bySubscriber.get(subscriber)?.get(source);
    if (pattern === undefined) throw new PushyError('NOT_SUBSCRIBED');
    await this.drop(subscriber, pattern);
  }

  /** The patterns a subscriber holds. */
  patterns(subscriber: PatternSubscriber): string[] {
    return [...(this.bySubscriber.get(subscriber)?.keys() ?? [])];
  }

  /** Patterns held on this node (all apps). */
  get size(): number {
    let total = 0;
    for (const index of this.byApp.values()) total += index.size;
    return total;
  }

  private removeAll(subscriber: PatternSubscriber): void {
    for (const pattern of [...(this.bySubscriber.get(subscriber)?.values() ?? [])]) {
      this.drop(subscriber, pattern).catch((error: unknown) => this.deps.logger.warn('wildcard unsubscribe failed', { pattern: pattern.source, error }));
    }
  }

  private async drop(subscriber: PatternSubscriber, pattern: WildcardPattern): Promise<void> {
    const held = this.bySubscriber.get(subscriber);
    held?.delete(pattern.source);
    if (held?.size === 0) this.bySubscriber.delete(subscriber);
    const index = this.byApp.get(subscriber.app);
    if (index === undefined) return;
    const last = index.remove(pattern, subscriber);
    if (index.size === 0) this.byApp.delete(subscriber.app);
    if (last) await this.deps.broker.unsubscribePrefix?.(prefixKey(subscriber.app, pattern));
  }

  private deliver(message: BrokerMessage): void {
    // Presence changes belong to presence channels, which no pattern can match.
    if (message.type !== 'event' || this.byApp.size === 0) return;
    const index = this.byApp.get(message.app ?? DEFAULT_APP);
    if (index === undefined) return;
    const matches = index.match(message.channel);
    if (matches.length === 0) return;
    const frames = new FrameCache(message);
    // One delivery per subscriber however many of its patterns match (one pattern: no set needed).
    const seen = matches.length > 1 ? new Set<PatternSubscriber>() : undefined;
    let recipients = 0;
    for (const { subscribers } of matches) {
      for (const subscriber of subscribers) {
        if (seen) {
          if (seen.has(subscriber)) continue;
          seen.add(subscriber);
        }
        if (subscriber.id === message.excludeSocketId || !subscriber.isOpen) continue;
        // A subscriber of the channel itself gets the event from the channel core.
        if (subscriber.subscriptions.has(message.channel)) continue;
        subscriber.deliver(frames.for(subscriber.encoder));
        recipients += 1;
      }
    }
    if (this.deps.traffic) this.deps.traffic.eventsDelivered += recipients;
  }
}

/** The key prefix a pattern needs from the broker: its literal segments and a dot, in its app's namespace. */
export function prefixKey(app: string, pattern: WildcardPattern): string {
  return `${channelKey(app, pattern.prefix.join('.'))}.`;
}
