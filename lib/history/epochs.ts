import { randomBytes } from 'node:crypto';

/*
 * An epoch names one lifetime of a channel's history: from the event that created its state to
 * the moment the store forgets it (idle for metaTtl, memory pressure, restart, flush).
 *
 * A channel with no state has no lifetime, and a read must not start one: anyone may subscribe
 * to any public channel, so state made per read would let them fill the store and evict real
 * channels. Such a read answers an *empty epoch* instead, saying which store instance saw the
 * channel empty and when. A client holding one continues into the channel's next lifetime (or
 * into the channel still being empty) when that provably follows without a lifetime lost in
 * between: a lifetime lasts at least metaTtl, so one that began after the empty read cannot have
 * ended within the window below; a store restart or flush changes the instance; and a store that
 * forgets channels early (memory pressure) says when it last did.
 */

const EMPTY_MARK = '~';
const CREATED = /^([0-9a-z]{1,12})\.[A-Za-z0-9_-]+$/;
const EMPTY = /^~([A-Za-z0-9_-]+)\.([0-9a-z]{1,12})$/;

/** A new lifetime's epoch: when it began (base 36 ms) and a random part. */
export function newEpoch(now: number): string {
  return `${Math.floor(now).toString(36)}.${randomBytes(8).toString('base64url')}`;
}

/** A random store instance id (the memory store's, or the one a Redis store keeps in Redis). */
export function newInstance(): string {
  return randomBytes(8).toString('base64url');
}

/**
 * The epoch a read answers for a channel with no state. `instance` is '' when the store has
 * none yet: such an epoch never continues.
 */
export function emptyEpoch(instance: string, now: number): string {
  return `${EMPTY_MARK}${instance}.${Math.floor(now).toString(36)}`;
}

/** What a store knows, at a read, about the continuity of its history. */
export interface Continuity {
  /** The store's instance now ('' when it has none). */
  instance: string;
  /** The store's clock now, ms. */
  now: number;
  /**
   * How long after an empty read a new lifetime may begin and still provably be the first one:
   * metaTtl, less what the clocks of several nodes may disagree by.
   */
  windowMs: number;
  /** Last time the store forgot a channel before its metaTtl (memory pressure), ms; 0: never. */
  lostAt: number;
}

/**
 * True when a position in `sinceEpoch` leads straight into the channel's state now: the same
 * epoch, or an empty epoch that the current lifetime (`current`; undefined while the channel is
 * still empty) directly follows.
 */
export function continuesInto(sinceEpoch: string, current: string | undefined, continuity: Continuity): boolean {
  if (current !== undefined && sinceEpoch === current) return true;
  const empty = EMPTY.exec(sinceEpoch);
  if (!empty || empty[1] !== continuity.instance) return false;
  const seenEmptyAt = parseInt(empty[2]!, 36);
  if (continuity.lostAt >= seenEmptyAt) return false;
  const began = current === undefined ? continuity.now : createdAt(current);
  return began !== undefined && began - seenEmptyAt < continuity.windowMs;
}

/** When an epoch's lifetime began; undefined for an epoch that does not say (made before it did). */
function createdAt(epoch: string): number | undefined {
  const match = CREATED.exec(epoch);
  return match ? parseInt(match[1]!, 36) : undefined;
}
