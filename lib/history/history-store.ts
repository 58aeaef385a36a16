import type { Retention } from './retention.js';

/**
 * Channel history: every published channel event gets the next offset of its channel, and the
 * last events are kept so that a client coming back (or a backend polling) can read what it
 * missed. A channel's `epoch` names one unbroken sequence of offsets: when the store loses a
 * channel's history (restart, eviction of its counter), the channel gets a new epoch and old
 * positions no longer mean anything.
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

/**
 * Storage of channel offsets and recent events; memory and Redis implementations. Channels are
 * named by their key (`apps/namespace.ts`), so each app has its own history.
 */
export interface HistoryStore {
  /** Gives the event the channel's next offset and keeps it as `retention` says. */
  append(channel: string, event: { event: string; data: unknown }, retention: Retention): Promise<StreamPosition>;
  /**
   * The channel's position and the retained events after `since` (at most `limit`; none when
   * `since` is omitted). Creates the channel's epoch when it has none, so it stays stable.
   */
  read(channel: string, retention: Retention, since?: number, limit?: number): Promise<HistoryRead>;
  close(): Promise<void>;
}

/** Decides `complete` for events read after `since` from a channel at `offset`. */
export function isComplete(since: number, offset: number, events: readonly HistoryEvent[]): boolean {
  if (since > offset) return false;
  if (since === offset) return true;
  return events[0]?.offset === since + 1;
}
