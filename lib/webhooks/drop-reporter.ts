import type { LogFields, Logger } from '../logger.js';
import type { DropReason, WebhookStats } from './webhook-stats.js';

/** Drop warnings of one reason are written at most this often by default; the counts add up in between. */
const LOG_EVERY_MS = 10_000;

/**
 * Where every part of the webhook machinery reports events it gives up on: each drop is counted
 * at once, and logged as a warning, at most one line per reason every `logEveryMs` (a dead
 * receiver or a flood would otherwise write a line per batch), with the drops left out since
 * the previous line. Fields must never hold a secret: pass URLs through `describeUrl`.
 */
export class DropReporter {
  private readonly lastLine = new Map<DropReason, { at: number; suppressed: number }>();

  constructor(
    readonly stats: WebhookStats,
    private readonly logger: Logger,
    private readonly logEveryMs = LOG_EVERY_MS,
  ) {}

  /** `events` events of `appId` (undefined: unknown) were dropped for `reason`. */
  drop(reason: DropReason, appId: string | undefined, events: number, fields: LogFields = {}): void {
    if (events <= 0) return;
    this.stats.countDropped(appId, reason, events);
    const now = Date.now();
    const last = this.lastLine.get(reason);
    if (last !== undefined && now - last.at < this.logEveryMs) {
      last.suppressed += events;
      return;
    }
    this.lastLine.set(reason, { at: now, suppressed: 0 });
    this.logger.warn(`webhook events dropped (${reason})`, { ...(appId === undefined ? {} : { app: appId }), events, ...fields, droppedSinceLastLine: last?.suppressed ?? 0 });
  }
}
