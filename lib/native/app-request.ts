import type { AppDirectory } from '../apps/app-directory.js';
import type { App } from '../apps/app.js';
import { PushyError } from '../errors.js';
import type { SigningScope } from '../signing/signature-policy.js';
import { TokenBucket } from '../token-bucket.js';

/** The app an HTTP API request is for, and whose secrets sign it. */
export interface AppRequest {
  readonly app: App;
  readonly scope: SigningScope;
}

/**
 * The app of a trigger or history request: the one its path names (`/pushy/app/<id>/...`, still
 * percent-encoded as routed) or, without one, the default app. Throws `APP_NOT_FOUND` (404) for
 * an unknown id and `APP_DISABLED` (403) for a disabled app.
 */
export function appOfRequest(apps: AppDirectory, pathApp: string | undefined, now: number = Date.now()): AppRequest {
  if (pathApp === undefined) return { app: apps.defaultApp, scope: { secrets: apps.secretsFor(apps.defaultApp, now) } };
  let id: string;
  try {
    id = decodeURIComponent(pathApp);
  } catch {
    throw new PushyError('APP_NOT_FOUND', 'App not found: its id is not valid percent-encoding');
  }
  const app = apps.requireApp(id);
  return { app, scope: { secrets: apps.secretsFor(app, now), app: id } };
}

/**
 * Each app's `limits.backendEventsPerSecond` on this node: one token bucket per app (a second's
 * worth of burst), made when the app first triggers and remade when its rate changes. Bounded by
 * the number of apps, and an app removed from the store is forgotten by {@link forget}.
 */
export class BackendRates {
  private readonly buckets = new Map<string, { rate: number; bucket: TokenBucket }>();

  // Read through `Date` at each call (not a reference taken once), so that a test can fake the clock.
  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Takes one event from the app's allowance; throws `APP_RATE_LIMITED` (429) when it is used up. */
  take(app: App): void {
    const rate = app.limits.backendEventsPerSecond;
    if (rate === undefined) return;
    let entry = this.buckets.get(app.id);
    if (!entry || entry.rate !== rate) {
      entry = { rate, bucket: new TokenBucket(rate, rate, this.now) };
      this.buckets.set(app.id, entry);
    }
    if (!entry.bucket.take()) throw new PushyError('APP_RATE_LIMITED', `Too many events: app "${app.id}" may trigger ${rate} per second on this server`);
  }

  /** Drops an app's bucket (the app was removed). */
  forget(appId: string): void {
    this.buckets.delete(appId);
  }
}
