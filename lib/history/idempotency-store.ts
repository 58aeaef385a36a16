/**
 * Remembers the `idempotency_key`s of recent triggers, per channel, so that a backend retrying a
 * trigger (after a timeout, say) does not publish the event twice.
 */

/** What claiming a key gave. */
export type IdempotencyClaim =
  /** First use: publish, then {@link IdempotencyStore.complete} (or release on failure). */
  | { first: true }
  /** Seen before: answer success again without publishing; `status` is the first answer's, once known. */
  | { first: false; status?: number };

/** Memory and Redis implementations. Channels are named by their key (`apps/namespace.ts`): keys are per app. */
export interface IdempotencyStore {
  /** Atomically takes the key for this channel, for `ttl` seconds, unless it is taken. */
  claim(channel: string, key: string): Promise<IdempotencyClaim>;
  /** Records the HTTP status the first trigger answered, for the repeats. */
  complete(channel: string, key: string, status: number): Promise<void>;
  /** Gives the key back (the publish failed, so a retry must publish). */
  release(channel: string, key: string): Promise<void>;
  close(): Promise<void>;
}

/** How long a key is remembered, in seconds: backends retry within minutes. */
export const IDEMPOTENCY_TTL_SECONDS = 300;

/** What {@link MemoryIdempotencyStore} takes. */
export interface MemoryIdempotencyOptions {
  /** Most keys remembered; beyond it the oldest are forgotten early. */
  maxKeys: number;
  ttlSeconds?: number;
  now?: () => number;
}

interface Remembered {
  expires: number;
  status?: number;
}

/**
 * Keys for one process. A Map keeps insertion order, which with one lifetime for all keys is
 * also expiry order: expired keys are dropped from the head on every claim, without a timer.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly keys = new Map<string, Remembered>();
  private readonly now: () => number;
  private readonly ttlMs: number;

  constructor(private readonly options: MemoryIdempotencyOptions) {
    this.now = options.now ?? (() => Date.now());
    this.ttlMs = (options.ttlSeconds ?? IDEMPOTENCY_TTL_SECONDS) * 1000;
  }

  async claim(channel: string, key: string): Promise<IdempotencyClaim> {
    const now = this.now();
    this.expire(now);
    const id = keyOf(channel, key);
    const seen = this.keys.get(id);
    if (seen) return seen.status === undefined ? { first: false } : { first: false, status: seen.status };
    this.keys.set(id, { expires: now + this.ttlMs });
    while (this.keys.size > this.options.maxKeys) this.keys.delete(this.keys.keys().next().value as string);
    return { first: true };
  }

  async complete(channel: string, key: string, status: number): Promise<void> {
    const seen = this.keys.get(keyOf(channel, key));
    if (seen) seen.status = status;
  }

  async release(channel: string, key: string): Promise<void> {
    this.keys.delete(keyOf(channel, key));
  }

  async close(): Promise<void> {
    this.keys.clear();
  }

  /** Keys remembered (tests, metrics). */
  size(): number {
    return this.keys.size;
  }

  private expire(now: number): void {
    for (const [id, remembered] of this.keys) {
      if (remembered.expires > now) return;
      this.keys.delete(id);
    }
  }
}

function keyOf(channel: string, key: string): string {
  // A newline cannot appear in a channel name, so the pair is unambiguous.
  return `${channel}\n${key}`;
}
