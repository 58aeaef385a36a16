import { encodeFeedEvent } from '../feed/feed-event.js';
import type { Logger } from '../logger.js';
import { RawJson } from '../raw-json.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import type { Broker, BrokerMessage } from './broker.js';
import { DEFAULT_APP } from '../apps/namespace.js';

/** What {@link withFeed} needs. */
export interface FeedDeps {
  connection: RedisConnection;
  /** The Redis pub/sub channel, exactly (`feed.channel`; no key prefix). */
  channel: string;
  logger: Logger;
}

/**
 * The events feed (`feed.enabled`): the broker as it is, plus every channel event this node
 * publishes (one with a history offset, so no presence changes) PUBLISHed once on the feed
 * channel as the documented JSON. After the event went to the nodes; a feed that fails is logged
 * and does not fail the trigger (the event was delivered; the feed is best effort, as pub/sub is).
 */
export function withFeed(broker: Broker, deps: FeedDeps): Broker {
  const feed = (message: BrokerMessage): void => {
    if (message.type !== 'event' || message.offset === undefined) return;
    const { app, channel, event, data, offset } = message;
    // The data as triggered: a RawJson's exact text, spliced in (JSON.stringify would re-encode it).
    const text = data instanceof RawJson ? spliceRaw({ app: app ?? DEFAULT_APP, channel, event, offset }, data.text) : encodeFeedEvent({ app: app ?? DEFAULT_APP, channel, event, data, offset });
    deps.connection.run('feed publish', (redis) => redis.publish(deps.channel, text)).catch((error: unknown) => {
      deps.logger.warn('events feed: publish failed', { channel, error });
    });
  };
  return {
    get nodeId() {
      return broker.nodeId;
    },
    get state() {
      return broker.state;
    },
    async publish(message) {
      const nodes = await broker.publish(message);
      feed(message);
      return nodes;
    },
    subscribe: (key) => broker.subscribe(key),
    subscribePrefix: broker.subscribePrefix && ((prefix) => broker.subscribePrefix!(prefix)),
    unsubscribePrefix: broker.unsubscribePrefix && ((prefix) => broker.unsubscribePrefix!(prefix)),
    unsubscribe: (key) => broker.unsubscribe(key),
    onMessage: (handler) => broker.onMessage(handler),
    close: () => broker.close(),
    isReady: () => broker.isReady(),
  };
}

/** The feed text with the data's exact JSON text, in the documented field order. */
function spliceRaw(head: { app: string; channel: string; event: string; offset: number }, data: string): string {
  return `{"app":${JSON.stringify(head.app)},"channel":${JSON.stringify(head.channel)},"event":${JSON.stringify(head.event)},"data":${data},"offset":${head.offset}}`;
}
