import type { Retention } from './retention.js';

/**
 * Channel history: every published channel event gets the next offset of its channel, and the
 * last events are kept so that a client coming back (or a backend polling) can read what it
 * missed. A channel's `epoch` names one unbroken sequence of offsets: when the store loses a
 * channel's history (restart, eviction of its counter), the channel gets a new epoch and old
 * positions no longer mean anything. A channel's state is created by its first event, never by
 * a read (see `epochs.ts`).
 */

/** Where a channel's sequence stands. */
export interface StreamPosition {
  /** Offset of the last event published on the channel (0: none yet in this epoch). */
  offset: number;
  epoch: string;
}

/** An event as kept in history. */
export interface HistoryEvent {
  offset: number;
  event: string;
  /** As appended; a store that keeps JSON text gives a `RawJson` of it (encode with `jsonText`). */
  data: unknown;
  /** When it was published, ms epoch time. */
  timestamp: number;
}

/** What a read of the events after an offset gives. */
export interface HistoryRead extends StreamPosition {
  /** Retained events with an offset above `since`, oldest first, at most `limit`. */
  events: HistoryEvent[];
  /**
   * True when nothing between `since` and the first returned event (or the current offset, when
   * none is returned) was lost: the events are exactly the ones that followed `since`.
   */
  complete: boolean;
}

/** What a read asks for. */
export interface HistoryQuery {
  /** Read the retained events after this offset (none are read without it). */
  since?: number;
  /**
   * The epoch `since` belongs to (a subscriber's position). With it, the read is `complete` only
   * when that position leads straight into the channel's current state; without it (a backend's
   * HTTP read), offsets alone decide.
   */
  epoch?: string;
  /** Most events returned. */
  limit?: number;
}

/**
 * Storage of channel offsets and recent events; memory and Redis implementations. Channels are
 * named by their key (`apps/namespace.ts`), so each app has its own history.
 */
export interface HistoryStore {
  /**
   * Gives the event the channel's next offset and keeps it as `retention` says. The first event
   * of a channel with no state starts its state, with a new epoch.
   */
  append(channel: string, event: { event: string; data: unknown }, retention: Retention): Promise<StreamPosition>;
  /**
   * The channel's position and, with `since`, the retained events after it. Creates nothing: a
   * channel with no state reads as offset 0 with an empty epoch (see `epochs.ts`).
   */
  read(channel: string, retention: Retention, query?: HistoryQuery): Promise<HistoryRead>;
  close(): Promise<void>;
}

/**
 * A read's answer from the channel's position and its retained events (oldest first, none
 * expired). `continues`: whether the query's epoch leads into this position (true without one).
 */
export function answerRead(position: StreamPosition, retained: readonly HistoryEvent[], query: HistoryQuery, continues: boolean): HistoryRead {
  const { since, limit = Number.POSITIVE_INFINITY } = query;
  if (since === undefined) return { ...position, events: [], complete: true };
  if (!continues) return { ...position, events: [], complete: false };
  const after = retained.filter((event) => event.offset > since);
  return { ...position, events: after.slice(0, limit), complete: isComplete(since, position.offset, after) };
}

/** Decides `complete` for events read after `since` from a channel at `offset`. */
export function isComplete(since: number, offset: number, events: readonly HistoryEvent[]): boolean {
  if (since > offset) return false;
  if (since === offset) return true;
  return events[0]?.offset === since + 1;
}
