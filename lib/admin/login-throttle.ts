import ipaddr from 'ipaddr.js';

/** What {@link LoginThrottle} takes. */
export interface LoginThrottleOptions {
  /** Failed logins one address may make within {@link FAILURE_WINDOW_MS} before it is locked out (0: no limit). */
  maxFailures: number;
  /** The first lockout, ms; every further one of the same address doubles, up to {@link MAX_LOCKOUT_MS}. */
  lockoutMs: number;
  /** Clock in ms (sinon fake timers replace `Date.now`). */
  now?: () => number;
}

/** The window in which failures are counted. */
export const FAILURE_WINDOW_MS = 60_000;
/** The longest lockout, however often an address comes back. */
export const MAX_LOCKOUT_MS = 3_600_000;
/** Most addresses remembered; beyond it the least recently failing are forgotten first. */
const MAX_ADDRESSES = 10_000;

interface AddressRecord {
  /** Failures in the current window. */
  failures: number;
  windowStart: number;
  /** Lockouts so far: the next one lasts lockoutMs * 2^lockouts. */
  lockouts: number;
  lockedUntil: number;
}

/**
 * Slows down password guessing on the admin login: after `maxFailures` failed logins within a
 * minute, an address is refused (429) for `lockoutMs`, doubling with every further lockout up to
 * an hour. A success forgets the address. Bounded: at most 10,000 addresses are remembered, and
 * one is forgotten once its last lockout has long passed.
 */
export class LoginThrottle {
  /** In least recently failing order. */
  private readonly records = new Map<string, AddressRecord>();
  private readonly now: () => number;

  constructor(private readonly options: LoginThrottleOptions) {
    this.now = options.now ?? (() => Date.now());
  }

  /** Milliseconds the address is still locked out for; 0 when it may try. */
  lockedFor(address: string): number {
    const record = this.records.get(addressKey(address));
    return record ? Math.max(0, record.lockedUntil - this.now()) : 0;
  }

  /** Counts a failed login; returns the lockout (ms) it started, 0 when none. */
  failed(address: string): number {
    if (this.options.maxFailures === 0) return 0;
    const now = this.now();
    const key = addressKey(address);
    const record = this.records.get(key) ?? { failures: 0, windowStart: now, lockouts: 0, lockedUntil: 0 };
    this.records.delete(key);
    this.records.set(key, record);
    if (now - record.windowStart >= FAILURE_WINDOW_MS) {
      record.failures = 0;
      record.windowStart = now;
    }
    record.failures += 1;
    this.forgetIdle(now);
    if (record.failures < this.options.maxFailures) return 0;
    const lockout = Math.min(this.options.lockoutMs * 2 ** record.lockouts, MAX_LOCKOUT_MS);
    record.lockouts += 1;
    record.failures = 0;
    record.lockedUntil = now + lockout;
    return lockout;
  }

  /** A successful login: the address starts over. */
  succeeded(address: string): void {
    this.records.delete(addressKey(address));
  }

  /** Addresses remembered (tests, leak checks). */
  size(): number {
    return this.records.size;
  }

  /** Drops addresses past the bound, and the oldest ones whose lockouts are long over. */
  private forgetIdle(now: number): void {
    while (this.records.size > MAX_ADDRESSES) this.records.delete(this.records.keys().next().value!);
    for (const [key, record] of this.records) {
      const quietSince = Math.max(record.lockedUntil, record.windowStart + FAILURE_WINDOW_MS);
      // Oldest first: the first one still of interest ends the sweep.
      if (now - quietSince < MAX_LOCKOUT_MS) return;
      this.records.delete(key);
    }
  }
}

/**
 * The key a client address is counted under: IPv4 as is (also when IPv4-mapped), IPv6 by its
 * /64, since one host commonly holds a whole /64 and could otherwise change address per guess.
 */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((part) => part.toString(16)).join(':')}::/64`;
}
