/** One point of the dashboard chart. */
export interface HistorySample {
  /** Sample time, ms epoch. */
  t: number;
  /** Open connections at that time. */
  connections: number;
  /** Events published per second over the interval that ended then. */
  triggeredPerSec: number;
  /** Event frames delivered per second over that interval. */
  deliveredPerSec: number;
}

/** What {@link TrafficHistory} samples. */
export interface HistoryDeps {
  /** Current totals; the per-second rates are their differences. */
  read(): { connections: number; eventsTriggered: number; eventsDelivered: number };
  intervalMs: number;
  /** Samples kept (intervalMs * capacity is the window the chart shows). */
  capacity: number;
  now?: () => number;
}

/**
 * The last few minutes of connections and event rates, sampled on a timer so that a dashboard
 * opened now shows a chart at once. Owns its interval: {@link stop} removes it.
 */
export class TrafficHistory {
  private readonly samples: HistorySample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private last: { t: number; triggered: number; delivered: number } | undefined;

  constructor(private readonly deps: HistoryDeps) {}

  get intervalMs(): number {
    return this.deps.intervalMs;
  }

  start(): void {
    if (this.timer) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.deps.intervalMs);
    // A chart is no reason to keep a process alive.
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Samples taken after `since` (ms epoch), oldest first. */
  since(since = 0): HistorySample[] {
    return this.samples.filter((s) => s.t > since);
  }

  /** Takes one sample now (the timer calls this). */
  sample(): void {
    const now = (this.deps.now ?? Date.now)();
    const current = this.deps.read();
    const previous = this.last;
    const seconds = previous ? (now - previous.t) / 1000 : 0;
    const rate = (total: number, before: number | undefined): number =>
      seconds > 0 && before !== undefined ? round((total - before) / seconds) : 0;
    this.samples.push({
      t: now,
      connections: current.connections,
      triggeredPerSec: rate(current.eventsTriggered, previous?.triggered),
      deliveredPerSec: rate(current.eventsDelivered, previous?.delivered),
    });
    if (this.samples.length > this.deps.capacity) this.samples.shift();
    this.last = { t: now, triggered: current.eventsTriggered, delivered: current.eventsDelivered };
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
