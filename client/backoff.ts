/** How long to wait between reconnection attempts. */
export interface BackoffOptions {
  /** Delay before the first retry, in ms. */
  minDelay: number;
  /** No delay is ever longer than this, in ms. */
  maxDelay: number;
  /** Each failed attempt multiplies the delay by this. */
  factor: number;
  /** Fraction (0 to 1) of the delay that is randomised, so that clients do not retry in step. */
  jitter: number;
}

/** Defaults: 0.5 s, doubling, capped at 30 s, with up to half of each delay random. */
export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = { minDelay: 500, maxDelay: 30_000, factor: 2, jitter: 0.5 };

/**
 * The delay before retry number `attempt` (0 for the first): capped exponential, then
 * reduced by a random part of at most `jitter` of it. The result is always within
 * `[base * (1 - jitter), base]` where `base = min(maxDelay, minDelay * factor ** attempt)`.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt);
  const base = Math.min(options.maxDelay, options.minDelay * options.factor ** exponent);
  const jitter = Math.min(1, Math.max(0, options.jitter));
  return Math.round(base - base * jitter * random());
}
