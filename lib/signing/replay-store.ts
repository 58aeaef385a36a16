/**
 * Remembers the v3 signatures already used, each until its timestamp leaves the tolerance
 * window (after that the window check refuses it anyway), so that a captured request cannot
 * be sent again. One per node in memory (bounded), or one for the cluster in Redis.
 */

/** What claiming a signature gave. */
export type ReplayClaim =
  /** First use: go ahead. */
  | { fresh: true }
  /** Used before (`seen`), or too old for a full memory to tell (`forgotten`, memory store only). */
  | { fresh: false; reason: 'seen' | 'forgotten' };

/** Memory and Redis implementations; both pass `test/lib/replay-store-contract.ts`. */
export interface SignatureReplayStore {
  /**
   * Atomically takes `signature` (of a request signed at `timestamp`, unix seconds) until the
   * end of the second `expiresAt` (unix seconds: the last one its window accepts), unless it is
   * taken.
   */
  claim(signature: string, timestamp: number, expiresAt: number): Promise<ReplayClaim>;
  /** Gives a signature back: its request was not carried out, so sending it again may run it. */
  release(signature: string): Promise<void>;
  close(): Promise<void>;
}

/** What {@link MemoryReplayStore} takes. */
export interface MemoryReplayOptions {
  /** Most signatures remembered; past it the oldest are dropped (see {@link MemoryReplayStore}). */
  maxKeys: number;
  /** Clock in ms (sinon fake timers replace `Date.now`). */
  now?: () => number;
}

interface Remembered {
  /** ms from which the signature's window is over. */
  expires: number;
  /** Its request's timestamp, unix seconds. */
  timestamp: number;
}

/**
 * Signatures for one process, in claim order. Expired ones leave from the head on every claim.
 * Past `maxKeys` the oldest are dropped while still in their window; a replay of one of those
 * could no longer be seen, so every request signed at or before the latest timestamp dropped so
 * is refused as `forgotten`. Memory stays bounded and no replay gets through: under that much
 * load only requests with old timestamps are refused, and a freshly signed one passes.
 */
export class MemoryReplayStore implements SignatureReplayStore {
  private readonly seen = new Map<string, Remembered>();
  private readonly now: () => number;
  /** Highest timestamp among the signatures dropped before their window ended. */
  private forgottenUpTo = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: MemoryReplayOptions) {
    if (!(options.maxKeys >= 1)) throw new RangeError('maxKeys must be at least 1');
    this.now = options.now ?? (() => Date.now());
  }

  async claim(signature: string, timestamp: number, expiresAt: number): Promise<ReplayClaim> {
    const now = this.now();
    this.expire(now);
    if (timestamp <= this.forgottenUpTo) return { fresh: false, reason: 'forgotten' };
    const remembered = this.seen.get(signature);
    if (remembered && remembered.expires > now) return { fresh: false, reason: 'seen' };
    this.seen.delete(signature);
    this.seen.set(signature, { expires: (expiresAt + 1) * 1000, timestamp });
    while (this.seen.size > this.options.maxKeys) this.dropOldest(now);
    return { fresh: true };
  }

  async release(signature: string): Promise<void> {
    this.seen.delete(signature);
  }

  async close(): Promise<void> {
    this.seen.clear();
  }

  /** Signatures remembered (tests, metrics). */
  size(): number {
    return this.seen.size;
  }

  /** Drops expired signatures from the head; one further in that expired already waits its turn. */
  private expire(now: number): void {
    for (const [signature, remembered] of this.seen) {
      if (remembered.expires > now) return;
      this.seen.delete(signature);
    }
  }

  private dropOldest(now: number): void {
    const [signature, remembered] = this.seen.entries().next().value as [string, Remembered];
    this.seen.delete(signature);
    if (remembered.expires > now) this.forgottenUpTo = Math.max(this.forgottenUpTo, remembered.timestamp);
  }
}
