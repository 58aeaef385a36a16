/**
 * Why an event was given up on:
 * - `queue_full`: more than `webhooks.maxQueued` events were waiting; the oldest went.
 * - `expired`: not delivered within `webhooks.retryWindow` (retries included).
 * - `no_target`: its app or webhook was removed or disabled, or the app has no live key, before
 *   it could be sent.
 * - `malformed`: a queue entry that could not be read back (a shared queue written by someone else).
 */
export const DROP_REASONS = ['queue_full', 'expired', 'no_target', 'malformed'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Running totals of webhook delivery. */
export interface WebhookCounts {
  /** Events delivered (a 2xx answer to the request that carried them). */
  sent: number;
  /** Requests that failed: a non-2xx answer, a timeout, or no connection. */
  failed: number;
  /** Requests that were a retry of a failed one. */
  retried: number;
  /** Events given up on, by reason. */
  readonly dropped: Record<DropReason, number>;
}

function zeroCounts(): WebhookCounts {
  return { sent: 0, failed: 0, retried: 0, dropped: { queue_full: 0, expired: 0, no_target: 0, malformed: 0 } };
}

/**
 * Webhook counters for the whole node and per app, moved with plain additions (no labels, no
 * hashing beyond one map lookup) and read by whoever reports them (Prometheus, the admin API)
 * when asked. Drops that belong to no known app (`malformed`, and `queue_full` in a shared queue)
 * count in {@link total} only.
 */
export class WebhookStats {
  readonly total: WebhookCounts = zeroCounts();
  private readonly byApp = new Map<string, WebhookCounts>();

  /** The counts of one app (all zero when it never had a webhook event). */
  app(appId: string): Readonly<WebhookCounts> {
    return this.byApp.get(appId) ?? zeroCounts();
  }

  /** The apps that have counts, with them. */
  apps(): ReadonlyMap<string, Readonly<WebhookCounts>> {
    return this.byApp;
  }

  countSent(appId: string, events: number): void {
    this.total.sent += events;
    this.counts(appId).sent += events;
  }

  countFailed(appId: string): void {
    this.total.failed += 1;
    this.counts(appId).failed += 1;
  }

  countRetried(appId: string): void {
    this.total.retried += 1;
    this.counts(appId).retried += 1;
  }

  countDropped(appId: string | undefined, reason: DropReason, events: number): void {
    if (events <= 0) return;
    this.total.dropped[reason] += events;
    if (appId !== undefined) this.counts(appId).dropped[reason] += events;
  }

  private counts(appId: string): WebhookCounts {
    let counts = this.byApp.get(appId);
    if (counts === undefined) {
      counts = zeroCounts();
      this.byApp.set(appId, counts);
    }
    return counts;
  }
}
