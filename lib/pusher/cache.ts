import { channelKey } from '../apps/namespace.js';
import type { HistoryEvent, HistoryStore } from '../history/history-store.js';
import type { RetentionPolicy } from '../history/retention.js';

/** Where a `cache-` channel's last event is read from. */
export interface CacheSource {
  history: HistoryStore;
  retention: RetentionPolicy;
}

/** A `cache-` channel's cached event and the whole seconds it is still kept (at least 1). */
export interface CachedEvent extends HistoryEvent {
  ttl: number;
}

/**
 * The cached event of a `cache-` channel of an app: the last event its history still keeps,
 * read with the channel's retention (so an event is cached as long as history keeps it, and a
 * channel with `size` 0 never has one). Undefined when there is none; throws when the history
 * store cannot be read. Both the subscribe of a Pusher socket and the HTTP API's `info=cache`
 * read it here, through the HistoryStore interface: on Redis, every node sees the same event.
 */
export async function readCachedEvent(source: CacheSource, app: string, channel: string, now: number = Date.now()): Promise<CachedEvent | undefined> {
  const key = channelKey(app, channel);
  const retention = source.retention.resolve(channel);
  const position = await source.history.read(key, retention);
  if (position.offset === 0) return undefined;
  const read = await source.history.read(key, retention, { since: position.offset - 1, epoch: position.epoch });
  const last = read.events.at(-1);
  if (!last) return undefined;
  // The store drops an event once `timestamp <= now - ttl`: it has this much left.
  const left = last.timestamp + retention.ttl * 1000 - now;
  return { ...last, ttl: Math.max(1, Math.ceil(left / 1000)) };
}
