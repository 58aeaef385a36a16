import { DEFAULT_APP } from '../apps/namespace.js';
import type { Broker } from '../broker/broker.js';
import type { Logger } from '../logger.js';
import type { NodeView } from '../nodes/node-registry.js';
import { buildMetaStats, META_STATS_CHANNEL, META_STATS_EVENT, META_STATS_INTERVAL_MS, type MetaStatsPayload } from './meta-stats.js';

/** What {@link startMetaStats} needs. */
export interface MetaPublisherDeps {
  broker: Broker;
  /** Every live node's view, this node's first (the node registry's list). */
  nodes: () => Promise<NodeView[]>;
  logger: Logger;
  /** ms between two payloads (default {@link META_STATS_INTERVAL_MS}). */
  intervalMs?: number;
  /** Clock in ms. */
  now?: () => number;
}

/** A running meta-stats timer. */
export interface MetaPublisher {
  /** Sends one payload now (the timer's work; tests call it). */
  tick(): Promise<void>;
  stop(): void;
}

/**
 * Sends the default app's counts to its `private-meta-stats` channel every few seconds. One
 * node of a cluster sends (the live node whose id sorts first), so subscribers get one payload
 * per interval whatever the number of nodes. Sent straight through the broker: a server event,
 * never in history, to the subscribers of every node.
 */
export function startMetaStats(deps: MetaPublisherDeps): MetaPublisher {
  const now = deps.now ?? Date.now;
  let previous: MetaStatsPayload | undefined;
  let running = false;
  const tick = async (): Promise<void> => {
    // A slow registry (Redis away) must not pile ticks up.
    if (running) return;
    running = true;
    try {
      const nodes = await deps.nodes();
      const self = nodes[0];
      if (self === undefined || nodes.some((node) => node.nodeId < self.nodeId)) {
        previous = undefined;
        return;
      }
      const payload = buildMetaStats({ app: DEFAULT_APP, at: now(), nodes, previous });
      previous = payload;
      await deps.broker.publish({ type: 'event', channel: META_STATS_CHANNEL, event: META_STATS_EVENT, data: payload });
    } catch (error) {
      deps.logger.debug('meta stats not sent', { error });
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), deps.intervalMs ?? META_STATS_INTERVAL_MS);
  timer.unref();
  return { tick, stop: () => clearInterval(timer) };
}
