import type { Logger } from '../logger.js';
import type { NodeView } from '../nodes/node-registry.js';

/** One point of the dashboard chart: the whole cluster at one time. */
export interface HistorySample {
  /** Sample time, ms epoch. */
  t: number;
  /** Open connections on every live node at that time. */
  connections: number;
  /** Events published per second, summed over the nodes. */
  triggeredPerSec: number;
  /** Event frames delivered per second, summed over the nodes. */
  deliveredPerSec: number;
}

/** What a node contributes to a sample: its view as of its last report. */
export type HistoryNode = Pick<NodeView, 'nodeId' | 'updatedAt' | 'connections' | 'events'>;

/** What {@link TrafficHistory} samples. */
export interface HistoryDeps {
  /** Every live node's view: this node's as of now, its peers' as of their last heartbeat. */
  read(): Promise<readonly HistoryNode[]>;
  intervalMs: number;
  /** Samples kept (intervalMs * capacity is the window the chart shows). */
  capacity: number;
  logger: Logger;
  now?: () => number;
}

/** A node's counters at its last report, and the rates they gave. */
interface NodeRates {
  updatedAt: number;
  triggered: number;
  delivered: number;
  triggeredPerSec: number;
  deliveredPerSec: number;
}

/**
 * The last few minutes of the cluster's connections and event rates, sampled on a timer so that
 * a dashboard opened now shows a chart at once. A node's rates come from the difference between
 * two of its reports, over the time between them by its own clock; a peer reports once a
 * heartbeat, so its rate holds until its next report. Owns its interval: {@link stop} removes it.
 */
export class TrafficHistory {
  private readonly samples: HistorySample[] = [];
  /** Per live node; nodes gone from the cluster are dropped at the next sample. */
  private readonly nodes = new Map<string, NodeRates>();
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> | undefined;

  constructor(private readonly deps: HistoryDeps) {}

  get intervalMs(): number {
    return this.deps.intervalMs;
  }

  start(): void {
    if (this.timer) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.deps.intervalMs);
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

  /** Takes one sample now (the timer calls this); resolves when it is stored. Never rejects. */
  sample(): Promise<void> {
    // A read slower than the interval is not doubled up.
    this.sampling ??= this.take().finally(() => {
      this.sampling = undefined;
    });
    return this.sampling;
  }

  private async take(): Promise<void> {
    let views: readonly HistoryNode[];
    try {
      views = await this.deps.read();
    } catch (error) {
      this.deps.logger.warn('admin: chart sample skipped', { error });
      return;
    }
    const sample: HistorySample = { t: (this.deps.now ?? Date.now)(), connections: 0, triggeredPerSec: 0, deliveredPerSec: 0 };
    const live = new Set<string>();
    for (const view of views) {
      live.add(view.nodeId);
      const rates = this.update(view);
      sample.connections += view.connections.total;
      sample.triggeredPerSec += rates.triggeredPerSec;
      sample.deliveredPerSec += rates.deliveredPerSec;
    }
    for (const nodeId of this.nodes.keys()) if (!live.has(nodeId)) this.nodes.delete(nodeId);
    sample.triggeredPerSec = round(sample.triggeredPerSec);
    sample.deliveredPerSec = round(sample.deliveredPerSec);
    this.samples.push(sample);
    if (this.samples.length > this.deps.capacity) this.samples.shift();
  }

  /** A node's rates after this view of it: new ones from a newer report, else the last ones. */
  private update(view: HistoryNode): NodeRates {
    const before = this.nodes.get(view.nodeId);
    if (before && view.updatedAt <= before.updatedAt) return before;
    const seconds = before ? (view.updatedAt - before.updatedAt) / 1000 : 0;
    const rate = (total: number, previous: number | undefined): number =>
      seconds > 0 && previous !== undefined ? Math.max(0, total - previous) / seconds : 0;
    const rates: NodeRates = {
      updatedAt: view.updatedAt,
      triggered: view.events.triggered,
      delivered: view.events.delivered,
      triggeredPerSec: rate(view.events.triggered, before?.triggered),
      deliveredPerSec: rate(view.events.delivered, before?.delivered),
    };
    this.nodes.set(view.nodeId, rates);
    return rates;
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
