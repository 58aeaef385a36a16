import { Registry, collectDefaultMetrics } from 'prom-client';

let shared: Registry | undefined;

/**
 * The process's own metrics (CPU, memory, event loop lag, GC, handles), collected once per
 * process into a registry of their own. These are facts about the process, not about one
 * server; and prom-client starts an event-loop monitor and a GC observer for every collection
 * that it never stops, so collecting them per server would leak one of each for every server a
 * test process creates. Each server's scrape registry merges this one with its own metrics.
 */
export function processMetricsRegistry(): Registry {
  if (!shared) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return shared;
}
