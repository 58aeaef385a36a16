import type { WebhookEvent } from './webhook-event.js';

/** What a {@link RemovalDelay} needs. */
export interface RemovalDelayOptions {
  /** How long `channel_vacated` and `member_removed` wait, in ms (0: they pass at once). */
  delayMs: number;
  /** Receives every event that passes, when it passes. */
  release: (appId: string, event: WebhookEvent) => void;
  /**
   * Most removals waiting at once. Past it the oldest waiting one is released early: a little
   * noise on a flood of departures rather than memory without bound or a lost removal.
   */
  maxPending: number;
}

type Removal = Extract<WebhookEvent, { name: 'channel_vacated' | 'member_removed' }>;

interface Waiting {
  readonly appId: string;
  readonly event: Removal;
  readonly timer: NodeJS.Timeout;
}

/**
 * Pusher's delayed removal: `channel_vacated` and `member_removed` wait `delayMs`, and a
 * `channel_occupied` (for the same app and channel) or `member_added` (same app, channel and
 * user) arriving within that time cancels the waiting removal and is itself swallowed. A page
 * reload therefore produces no webhook at all, instead of "vacated" then "occupied". Every other
 * event passes at once.
 *
 * Pure bookkeeping over timers: the channel core decides what happened (cluster-wide), this only
 * decides when, and whether, it is worth telling the backend.
 */
export class RemovalDelay {
  private readonly waiting = new Map<string, Waiting>();

  constructor(private readonly options: RemovalDelayOptions) {}

  /** Removals waiting now. */
  get pending(): number {
    return this.waiting.size;
  }

  /** Takes one event from the core: releases it now, later, or never (see the class). */
  offer(appId: string, event: WebhookEvent): void {
    switch (event.name) {
      case 'channel_vacated':
      case 'member_removed':
        this.hold(appId, event);
        return;
      case 'channel_occupied':
      case 'member_added': {
        const key = waitKey(appId, event);
        const waiting = this.waiting.get(key);
        if (waiting === undefined) {
          this.options.release(appId, event);
          return;
        }
        // Back within the delay: neither the removal nor this return is news to the backend.
        clearTimeout(waiting.timer);
        this.waiting.delete(key);
        return;
      }
      default:
        this.options.release(appId, event);
    }
  }

  /** Releases every waiting removal now (at shutdown: the channels did empty, so none is lost). */
  flush(): void {
    for (const key of [...this.waiting.keys()]) this.releaseWaiting(key);
  }

  private hold(appId: string, event: Removal): void {
    if (this.options.delayMs <= 0) {
      this.options.release(appId, event);
      return;
    }
    const key = waitKey(appId, event);
    // The same removal twice (a core that repeats itself) keeps the first one's deadline.
    if (this.waiting.has(key)) return;
    if (this.waiting.size >= this.options.maxPending) {
      const oldest = this.waiting.keys().next();
      if (!oldest.done) this.releaseWaiting(oldest.value);
    }
    const timer = setTimeout(() => this.releaseWaiting(key), this.options.delayMs);
    this.waiting.set(key, { appId, event, timer });
  }

  private releaseWaiting(key: string): void {
    const waiting = this.waiting.get(key);
    if (waiting === undefined) return;
    clearTimeout(waiting.timer);
    this.waiting.delete(key);
    this.options.release(waiting.appId, waiting.event);
  }
}

/** One key per channel (vacated/occupied) and per member (removed/added), within an app. */
function waitKey(appId: string, event: Removal | Extract<WebhookEvent, { name: 'channel_occupied' | 'member_added' }>): string {
  // NUL cannot appear in app ids or channel names, so the parts cannot run into each other.
  return event.name === 'channel_vacated' || event.name === 'channel_occupied'
    ? `c\0${appId}\0${event.channel}`
    : `m\0${appId}\0${event.channel}\0${event.user_id}`;
}
