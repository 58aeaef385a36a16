import { backoffDelay, type BackoffOptions } from '../../client/backoff.js';
import { currentKey } from '../apps/app-keys.js';
import type { App } from '../apps/app.js';
import type { Logger } from '../logger.js';
import { postWebhook } from './webhook-delivery.js';
import type { QueuedEntry, WebhookEntry, WebhookQueue } from './webhook-queue.js';
import { buildWebhookRequest, describeUrl, findWebhook } from './webhook-request.js';
import type { DropReporter } from './drop-reporter.js';
import type { DropReason, WebhookStats } from './webhook-stats.js';

/** How the dispatcher batches, retries and bounds its work. */
export interface DispatcherOptions {
  /** Most events in one request. */
  batchSize: number;
  /** Longest wait (ms) from an event's arrival to the request that carries it, when the batch is not full. */
  batchDelay: number;
  /** Longest wait (ms) for a receiver's answer. */
  timeout: number;
  /**
   * How long (ms) after it was queued an event may still be retried: at a retry, events older
   * than this are dropped (the first attempt is always made).
   */
  retryWindow: number;
  /** Most events this node holds; past it the oldest waiting one is dropped. */
  maxQueued: number;
  /** Most requests in flight at once, over all receivers (each receiver has at most one). */
  concurrency: number;
  /** How often (ms) the queue is asked for work when nothing woke the dispatcher. */
  pollInterval: number;
  /** How often (ms) the dispatcher tells the queue it still holds its entries. */
  touchInterval: number;
  /** Waits between the retries of one receiver. */
  backoff: BackoffOptions;
  /** Source of the backoff jitter (tests pin it). */
  random?: () => number;
}

/** The apps, as far as delivery needs them. */
export interface DispatcherApps {
  get(appId: string): App | undefined;
}

/** What a {@link WebhookDispatcher} needs. */
export interface DispatcherDeps {
  queue: WebhookQueue;
  apps: DispatcherApps;
  stats: WebhookStats;
  drops: DropReporter;
  logger: Logger;
  options: DispatcherOptions;
}

/** The work for one webhook of one app: its waiting events, its request in flight, its retries. */
interface Target {
  readonly key: string;
  readonly appId: string;
  readonly webhook: number;
  readonly url: string;
  /** Oldest first. */
  waiting: QueuedEntry[];
  /** The batch being sent, if any (one request per target at a time). */
  inFlight: QueuedEntry[] | undefined;
  /** Failed requests in a row; above 0 the retry timer decides when to send. */
  failures: number;
  lastError: string | undefined;
  /** The batch-delay or retry timer. */
  timer: NodeJS.Timeout | undefined;
}

/** Entries asked of the queue at once. */
const TAKE_CHUNK = 500;

/**
 * Delivers the entries of a {@link WebhookQueue}: groups them per app and webhook URL, sends a
 * batch when it is full or `batchDelay` old, signed with that app's secret, and retries a failed
 * batch with capped, jittered exponential backoff until its events are older than the retry
 * window. Each receiver has its own queue and at most one request in flight, and at most
 * `concurrency` requests are in flight in all, so a slow or dead receiver holds up only itself.
 * Memory is bounded by `maxQueued` events (plus the batches in flight).
 */
export class WebhookDispatcher {
  private readonly targets = new Map<string, Target>();
  /** Targets with a batch to send, in the order they became ready. */
  private readonly ready = new Set<Target>();
  /** Entries held: waiting and in flight, over all targets. */
  private held = 0;
  private requests = 0;
  private readonly sends = new Set<Promise<void>>();
  private running = false;
  private pumping: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private wakePending = false;
  /** Acknowledgements of dropped events, awaited at close. */
  private readonly acks = new Set<Promise<void>>();
  private touchTimer: NodeJS.Timeout | undefined;
  private queueFailing = false;
  /** Aborts the requests in flight at close: a hung receiver must not hold up a shutdown. */
  private readonly stopping = new AbortController();

  constructor(private readonly deps: DispatcherDeps) {}

  /** Starts taking and delivering. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.pumping = this.pump();
    this.touchTimer = setInterval(() => void this.touch(), this.deps.options.touchInterval);
    // Background work: it never keeps a process alive by itself (a server that failed to start
    // must be able to exit; a running one is kept alive by its listening socket).
    this.touchTimer.unref();
  }

  /** Looks at the queue now rather than at the next poll (something was just pushed). */
  wake(): void {
    if (this.wakeUp !== undefined) this.wakeUp();
    // Woken while taking: look again as soon as this take is done.
    else this.wakePending = true;
  }

  /** Events held by this node now (waiting and in flight). */
  get heldCount(): number {
    return this.held;
  }

  /**
   * Stops: no new request starts, requests in flight are aborted (their receivers may have got
   * them: with a durable queue another node may deliver them again), and every entry still held
   * goes back to the queue, where another node takes it (a durable queue) or it ends with the
   * process (memory: the count is logged).
   */
  async close(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.touchTimer);
    this.stopping.abort();
    this.wake();
    await this.pumping;
    for (const target of this.targets.values()) clearTimeout(target.timer);
    this.ready.clear();
    await Promise.all([...this.sends]);
    await Promise.all([...this.acks]);
    const left = [...this.targets.values()].flatMap((target) => target.waiting.map((queued) => queued.id));
    this.targets.clear();
    this.held = 0;
    if (left.length === 0) return;
    try {
      await this.deps.queue.release(left);
    } catch (error) {
      this.deps.logger.warn('webhooks: could not hand undelivered events back to the queue; another node takes them once this one counts as dead', { count: left.length, error });
      return;
    }
    if (this.deps.queue.durable) this.deps.logger.info('webhooks: undelivered events handed back to the shared queue', { count: left.length });
    else this.deps.logger.warn('webhooks: undelivered events lost at shutdown (in-memory queue)', { count: left.length });
  }

  private async pump(): Promise<void> {
    while (this.running) {
      let taken: QueuedEntry[] = [];
      try {
        taken = await this.deps.queue.take(TAKE_CHUNK);
        if (this.queueFailing) this.deps.logger.info('webhooks: queue reachable again');
        this.queueFailing = false;
      } catch (error) {
        if (!this.queueFailing) this.deps.logger.warn('webhooks: cannot take from the queue; retrying', { error });
        this.queueFailing = true;
      }
      if (!this.running) {
        // Taken after close began: hand them straight back.
        if (taken.length > 0) await this.deps.queue.release(taken.map((queued) => queued.id)).catch((error: unknown) => this.deps.logger.debug('webhooks: release failed', { error }));
        return;
      }
      this.accept(taken);
      if (taken.length < TAKE_CHUNK) await this.idle();
    }
  }

  /** Resolves after `pollInterval`, or at once when {@link wake} was called since the last look. */
  private idle(): Promise<void> {
    if (this.wakePending) {
      this.wakePending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.deps.options.pollInterval);
      timer.unref();
      this.wakeUp = done;
    });
  }

  private accept(taken: readonly QueuedEntry[]): void {
    if (taken.length === 0) return;
    const touched = new Set<Target>();
    for (const queued of taken) {
      const target = this.targetFor(queued.entry);
      target.waiting.push(queued);
      this.held += 1;
      touched.add(target);
    }
    this.evictOverflow();
    for (const target of touched) this.schedule(target);
  }

  private targetFor(entry: WebhookEntry): Target {
    const key = `${entry.appId}\n${entry.webhook}\n${entry.url}`;
    let target = this.targets.get(key);
    if (target === undefined) {
      target = { key, appId: entry.appId, webhook: entry.webhook, url: entry.url, waiting: [], inFlight: undefined, failures: 0, lastError: undefined, timer: undefined };
      this.targets.set(key, target);
    }
    return target;
  }

  /** Drops the oldest waiting events, over all targets, until at most `maxQueued` are held. */
  private evictOverflow(): void {
    const dropped = new Map<Target, QueuedEntry[]>();
    while (this.held > this.deps.options.maxQueued) {
      let oldest: Target | undefined;
      for (const target of this.targets.values()) {
        const head = target.waiting[0];
        if (head === undefined) continue;
        const best = oldest?.waiting[0];
        if (best === undefined || head.entry.queuedAt < best.entry.queuedAt) oldest = target;
      }
      // Everything held is in flight: it is already on its way.
      if (oldest === undefined) break;
      const list = dropped.get(oldest) ?? [];
      list.push(oldest.waiting.shift()!);
      dropped.set(oldest, list);
      this.held -= 1;
    }
    for (const [target, entries] of dropped) this.drop(target, entries, 'queue_full');
  }

  /** Sends now, or sets the timer for when the batch is due. Targets that are retrying wait for their retry timer. */
  private schedule(target: Target): void {
    if (!this.running || target.inFlight !== undefined || target.failures > 0 || this.ready.has(target)) return;
    const head = target.waiting[0];
    if (head === undefined) {
      this.forgetIfIdle(target);
      return;
    }
    const wait = Math.min(head.entry.queuedAt + this.deps.options.batchDelay - Date.now(), this.deps.options.batchDelay);
    if (target.waiting.length >= this.deps.options.batchSize || wait <= 0) {
      clearTimeout(target.timer);
      target.timer = undefined;
      this.markReady(target);
    } else if (target.timer === undefined) {
      target.timer = setTimeout(() => {
        target.timer = undefined;
        this.markReady(target);
      }, wait);
      target.timer.unref();
    }
  }

  private markReady(target: Target): void {
    if (!this.running) return;
    this.ready.add(target);
    this.startSends();
  }

  private startSends(): void {
    while (this.running && this.requests < this.deps.options.concurrency) {
      const next = this.ready.values().next();
      if (next.done) return;
      this.ready.delete(next.value);
      this.requests += 1;
      const sending = this.send(next.value).finally(() => {
        this.requests -= 1;
        this.sends.delete(sending);
        this.startSends();
      });
      this.sends.add(sending);
    }
  }

  private async send(target: Target): Promise<void> {
    const now = Date.now();
    const { options } = this.deps;
    // Only a receiver that is failing makes events wait that long; a healthy one gets them all tried.
    const expired = target.failures > 0 ? target.waiting.filter((queued) => now - queued.entry.queuedAt >= options.retryWindow) : [];
    if (expired.length > 0) {
      target.waiting = target.waiting.filter((queued) => now - queued.entry.queuedAt < options.retryWindow);
      this.held -= expired.length;
      this.drop(target, expired, 'expired');
    }
    const app = this.deps.apps.get(target.appId);
    const webhook = app?.enabled ? findWebhook(app, target.webhook, target.url) : undefined;
    const pair = app && webhook ? currentKey(app, now) : undefined;
    if (webhook === undefined || pair === undefined) {
      // The app, or this webhook of it, is gone or disabled, or no key of the app is live.
      const all = target.waiting;
      target.waiting = [];
      this.held -= all.length;
      this.drop(target, all, 'no_target');
    }
    if (target.waiting.length === 0 || webhook === undefined || pair === undefined) {
      target.failures = 0;
      this.forgetIfIdle(target);
      return;
    }

    const batch = target.waiting.splice(0, options.batchSize);
    target.inFlight = batch;
    if (target.failures > 0) this.deps.stats.countRetried(target.appId);
    const request = buildWebhookRequest({
      url: target.url,
      key: pair.key,
      secret: pair.secret,
      events: batch.map((queued) => queued.entry.event),
      timeMs: Date.now(),
      extraHeaders: webhook.headers,
    });
    const outcome = await postWebhook(request, options.timeout, this.stopping.signal);
    // The queue may have given some of the batch to another node meanwhile (see touch).
    const still = target.inFlight;
    target.inFlight = undefined;

    if (outcome.ok) {
      this.held -= still.length;
      this.deps.stats.countSent(target.appId, still.length);
      if (target.failures > 0) this.deps.logger.info('webhook delivered again', { app: target.appId, url: describeUrl(target.url), afterFailures: target.failures });
      target.failures = 0;
      target.lastError = undefined;
      await this.acknowledge(still.map((queued) => queued.id));
      this.schedule(target);
      return;
    }

    this.deps.stats.countFailed(target.appId);
    target.failures += 1;
    target.lastError = outcome.error;
    target.waiting.unshift(...still);
    const delay = backoffDelay(target.failures - 1, options.backoff, options.random ?? Math.random);
    const fields = { app: target.appId, url: describeUrl(target.url), error: outcome.error, events: still.length, failures: target.failures, retryInMs: delay };
    if (target.failures === 1) this.deps.logger.warn('webhook delivery failed; retrying with backoff', fields);
    else this.deps.logger.debug('webhook delivery failed again', fields);
    if (!this.running) return;
    clearTimeout(target.timer);
    target.timer = setTimeout(() => {
      target.timer = undefined;
      this.markReady(target);
    }, delay);
    target.timer.unref();
  }

  /** Gives events up: reported (counted and logged) and acknowledged, so they are never delivered again. */
  private drop(target: Target, entries: readonly QueuedEntry[], reason: DropReason): void {
    if (entries.length === 0) return;
    this.deps.drops.drop(reason, target.appId, entries.length, { url: describeUrl(target.url), lastError: target.lastError });
    const ack = this.acknowledge(entries.map((queued) => queued.id)).finally(() => this.acks.delete(ack));
    this.acks.add(ack);
  }

  private async acknowledge(ids: readonly string[]): Promise<void> {
    try {
      await this.deps.queue.ack(ids);
    } catch (error) {
      // The entries stay held in the queue: if this node dies before the next touch, another node delivers them again.
      this.deps.logger.warn('webhooks: could not acknowledge delivered events; they may be delivered twice', { count: ids.length, error });
    }
  }

  /** Keeps this node's hold on its entries and lets go of those the queue gave to another node. */
  private async touch(): Promise<void> {
    const ids = [...this.targets.values()].flatMap((target) => [...target.waiting, ...(target.inFlight ?? [])].map((queued) => queued.id));
    let lost: string[];
    try {
      lost = await this.deps.queue.touch(ids);
    } catch (error) {
      this.deps.logger.debug('webhooks: queue touch failed', { error });
      return;
    }
    if (lost.length === 0) return;
    const gone = new Set(lost);
    for (const target of this.targets.values()) {
      const before = target.waiting.length + (target.inFlight?.length ?? 0);
      target.waiting = target.waiting.filter((queued) => !gone.has(queued.id));
      if (target.inFlight !== undefined) target.inFlight = target.inFlight.filter((queued) => !gone.has(queued.id));
      this.held -= before - target.waiting.length - (target.inFlight?.length ?? 0);
    }
    this.deps.logger.warn('webhooks: another node took over events this node held too long', { count: lost.length });
  }

  /** A target with nothing to do is forgotten, so targets do not pile up in memory. */
  private forgetIfIdle(target: Target): void {
    if (target.waiting.length > 0 || target.inFlight !== undefined || this.ready.has(target)) return;
    clearTimeout(target.timer);
    this.targets.delete(target.key);
  }
}
