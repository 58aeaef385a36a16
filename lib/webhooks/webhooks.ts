import type { WebhooksConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { RemovalDelay } from './removal-delay.js';
import { WebhookDispatcher, type DispatcherApps, type DispatcherOptions } from './webhook-dispatcher.js';
import type { WebhookEvent } from './webhook-event.js';
import type { WebhookEntry, WebhookQueue } from './webhook-queue.js';
import { routeEvent } from './webhook-routing.js';
import type { DropReporter } from './drop-reporter.js';
import type { WebhookStats } from './webhook-stats.js';

/** The `webhooks.*` options (see `lib/config.ts`). */
export type { WebhooksConfig } from '../config.js';

/** What {@link Webhooks} needs. */
export interface WebhooksDeps {
  apps: DispatcherApps;
  /** Owned from here on: closed with the webhooks. */
  queue: WebhookQueue;
  logger: Logger;
  config: WebhooksConfig;
  /** Where drops are counted and logged, shared with the queue (which drops too). */
  drops: DropReporter;
  /** Pacing of the delivery loop and of retries (defaults: {@link DELIVERY_DEFAULTS}). */
  delivery?: Partial<Pick<DispatcherOptions, 'pollInterval' | 'touchInterval' | 'backoff' | 'random'>>;
}

/**
 * Pacing defaults. Retries start after about a second and double up to a minute (each wait up to
 * half shorter at random, so receivers coming back are not hit in step); the retry window ends them.
 */
export const DELIVERY_DEFAULTS: Pick<DispatcherOptions, 'pollInterval' | 'touchInterval' | 'backoff'> = {
  pollInterval: 1000,
  touchInterval: 5000,
  backoff: { minDelay: 1000, maxDelay: 60_000, factor: 2, jitter: 0.5 },
};

/** Wait before pushing again after the queue refused (Redis away). */
const PUSH_RETRY_MS = 1000;

/**
 * Webhooks for every app: the one object the channel core talks to. `emit(appId, event)` is all
 * it needs: removals wait out the delay (and vanish when the channel or member comes back), each
 * event goes to the webhooks of its app that want it (`events` list and `filter`), into the
 * queue, from which the dispatcher delivers batches per app and webhook URL, signed with that
 * app's secret. Nothing here blocks the caller: `emit` only records.
 */
export class Webhooks {
  readonly stats: WebhookStats;
  private readonly delay: RemovalDelay;
  private readonly dispatcher: WebhookDispatcher;
  /** Routed entries not yet in the queue (at most `maxQueued`). */
  private outbox: WebhookEntry[] = [];
  private flushing: Promise<void> | undefined;
  private flushScheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private pushFailing = false;
  private closed = false;

  constructor(private readonly deps: WebhooksDeps) {
    const { config } = deps;
    this.stats = deps.drops.stats;
    this.delay = new RemovalDelay({ delayMs: config.removalDelay, maxPending: config.maxQueued, release: (appId, event) => this.route(appId, event) });
    this.dispatcher = new WebhookDispatcher({
      queue: deps.queue,
      apps: deps.apps,
      stats: this.stats,
      drops: deps.drops,
      logger: deps.logger,
      options: { ...DELIVERY_DEFAULTS, ...deps.delivery, ...config },
    });
    this.dispatcher.start();
  }

  /**
   * One thing happened in an app (decided cluster-wide by the channel core, emitted by one node):
   * tell the app's webhooks about it, in due course. Never throws, never waits. `settled`: the
   * caller already waited out the removal delay (cluster-wide, `webhook-sources.ts`), so the
   * event is routed at once.
   */
  emit(appId: string, event: WebhookEvent, options: { settled?: boolean } = {}): void {
    if (this.closed) return;
    // Apps without webhooks (most of them) cost one lookup.
    if (!this.hasWebhooks(appId)) return;
    if (options.settled === true) this.route(appId, event);
    else this.delay.offer(appId, event);
  }

  /** Events waiting in this node: removals in their delay, routed events not yet queued, events held for delivery. */
  get pending(): { delayed: number; unqueued: number; held: number } {
    return { delayed: this.delay.pending, unqueued: this.outbox.length, held: this.dispatcher.heldCount };
  }

  /**
   * Stops: waiting removals are released now (their channels did empty) and queued with
   * everything else routed, requests in flight finish, and what is left goes back to the queue.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.delay.flush();
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.flushing;
    await this.flush();
    if (this.outbox.length > 0) this.deps.logger.warn('webhooks: events could not be queued before shutdown', { count: this.outbox.length });
    await this.dispatcher.close();
    await this.deps.queue.close();
  }

  private hasWebhooks(appId: string): boolean {
    const app = this.deps.apps.get(appId);
    return app !== undefined && app.enabled && app.webhooks.length > 0;
  }

  private route(appId: string, event: WebhookEvent): void {
    const app = this.deps.apps.get(appId);
    if (app === undefined || !app.enabled) return;
    const queuedAt = Date.now();
    for (const index of routeEvent(app.webhooks, event)) {
      this.outbox.push({ appId, webhook: index, url: app.webhooks[index]!.url, event, queuedAt });
    }
    this.trimOutbox();
    this.scheduleFlush();
  }

  /** Keeps the outbox within `maxQueued`, dropping (and counting) the oldest. */
  private trimOutbox(): void {
    const over = this.outbox.length - this.deps.config.maxQueued;
    if (over > 0) for (const dropped of this.outbox.splice(0, over)) this.deps.drops.drop('queue_full', dropped.appId, 1, { where: 'outbox' });
  }

  /** Pushes what was routed in this turn of the event loop in one go. */
  private scheduleFlush(): void {
    if (this.flushScheduled || this.flushing !== undefined || this.retryTimer !== undefined || this.outbox.length === 0) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushing = this.flush().finally(() => {
        this.flushing = undefined;
        if (!this.closed) this.scheduleFlush();
      });
    });
  }

  private async flush(): Promise<void> {
    const entries = this.outbox;
    if (entries.length === 0) return;
    this.outbox = [];
    try {
      await this.deps.queue.push(entries);
    } catch (error) {
      // Keep them (within the bound) and try again shortly: the queue is Redis, and Redis is away.
      this.outbox = [...entries, ...this.outbox];
      this.trimOutbox();
      if (!this.pushFailing) this.deps.logger.warn('webhooks: cannot queue events; keeping them and retrying', { count: entries.length, error });
      this.pushFailing = true;
      if (!this.closed) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.scheduleFlush();
        }, PUSH_RETRY_MS);
      }
      return;
    }
    if (this.pushFailing) this.deps.logger.info('webhooks: queueing events again');
    this.pushFailing = false;
    this.dispatcher.wake();
  }
}
