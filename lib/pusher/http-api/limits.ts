import type { App } from '../../apps/app.js';
import { PushyError } from '../../errors.js';
import { TokenBucket } from '../../token-bucket.js';

/** The Pusher HTTP API's limits of one app, its own overrides applied over Pusher's defaults. */
export interface ApiLimits {
  /** Largest event `data`, in bytes (413 above). */
  maxEventDataBytes: number;
  /** Most channels of one event (400 above). */
  maxEventChannels: number;
  /** Most events of one batch (400 above). */
  maxBatchEvents: number;
  /** Longest event name (400 above). */
  maxEventNameLength: number;
  /** Requests per second, per app and node (429 above). */
  apiRequestsPerSecond: number;
}

/**
 * Pusher's own limits (../shared/PUSHER.md B), and a request rate above what one node serves, so
 * that only an app given its own rate is slowed down.
 */
export const DEFAULT_API_LIMITS: Readonly<ApiLimits> = {
  maxEventDataBytes: 10 * 1024,
  maxEventChannels: 100,
  maxBatchEvents: 10,
  maxEventNameLength: 200,
  apiRequestsPerSecond: 10_000,
};

/** The API limits of an app. */
export function apiLimitsOf(app: App): ApiLimits {
  const own = app.limits;
  return {
    maxEventDataBytes: own.maxEventDataBytes ?? DEFAULT_API_LIMITS.maxEventDataBytes,
    maxEventChannels: own.maxEventChannels ?? DEFAULT_API_LIMITS.maxEventChannels,
    maxBatchEvents: own.maxBatchEvents ?? DEFAULT_API_LIMITS.maxBatchEvents,
    maxEventNameLength: own.maxEventNameLength ?? DEFAULT_API_LIMITS.maxEventNameLength,
    apiRequestsPerSecond: own.apiRequestsPerSecond ?? DEFAULT_API_LIMITS.apiRequestsPerSecond,
  };
}

/**
 * Requests per second per app on this node: one token bucket per app (a second's worth of
 * burst). Only apps that exist get a bucket, so the map is bounded by the app count; a bucket is
 * rebuilt when the app's rate changes.
 */
export class ApiRateLimiter {
  private readonly buckets = new Map<string, { rate: number; bucket: TokenBucket }>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Takes one request of `app`; throws `API_RATE_LIMITED` (429) when over its rate. */
  take(app: App, rate: number): void {
    let entry = this.buckets.get(app.id);
    if (!entry || entry.rate !== rate) {
      entry = { rate, bucket: new TokenBucket(Math.max(1, rate), rate, this.now) };
      this.buckets.set(app.id, entry);
    }
    if (!entry.bucket.take()) throw new PushyError('API_RATE_LIMITED', `Too many API requests for app "${app.id}" (at most ${rate} per second)`);
  }
}
