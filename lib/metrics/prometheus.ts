import { Counter, Gauge, Registry, type Metric } from 'prom-client';
import type { Broker } from '../broker/broker.js';
import type { ChannelManager } from '../channels/channel-manager.js';
import type { OpenConnections } from '../stats/connections.js';
import { processMetricsRegistry } from './process-metrics.js';
import { StatusHistogram } from './status-histogram.js';
import type { TrafficCounters } from '../stats/traffic.js';
import type { AppCounters } from '../stats/app-counters.js';

/** What the Prometheus metrics read from. */
export interface PrometheusMetricsDeps {
  traffic: TrafficCounters;
  channels: ChannelManager;
  /** Open connections of this node (resolved at scrape time). */
  connections: OpenConnections;
  broker: Broker;
  /** Also serve the process metrics (CPU, memory, event loop, GC). Default true. */
  processMetrics?: boolean;
  /** Per-app counts (the `app` label): refusals of each app's limits. */
  appCounters?: AppCounters;
}

/** One server's metrics. */
export interface PrometheusMetrics {
  /** What a scrape serves: this server's metrics, plus the process's. */
  readonly registry: Registry;
  /** Records how long one trigger request took to answer, with its HTTP status. */
  observeTrigger(seconds: number, status: number): void;
}

/** SockJS transports reported (as 0) even while none of their connections is open. */
const TRANSPORTS = ['websocket', 'xhr-streaming', 'xhr-polling', 'eventsource', 'htmlfile', 'jsonp-polling'];

/** Trigger handling is sub-millisecond when healthy; the tail shows a slow broker. */
const TRIGGER_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Builds a server's Prometheus metrics on a registry of its own (several servers can live in
 * one process). Counts are read from {@link TrafficCounters} and the channel manager when
 * scraped, so the message paths never touch prom-client.
 */
export function createPrometheusMetrics(deps: PrometheusMetricsDeps): PrometheusMetrics {
  const { traffic, channels, broker } = deps;
  const own = new Registry();
  const registers = [own];

  new Gauge({
    name: 'pushy_connections',
    help: 'Open SockJS connections on this node, by transport.',
    labelNames: ['transport'],
    registers,
    collect() {
      const counts = new Map<string, number>(TRANSPORTS.map((t) => [t, 0]));
      for (const connection of deps.connections()) counts.set(connection.protocol, (counts.get(connection.protocol) ?? 0) + 1);
      this.reset();
      for (const [transport, count] of counts) this.set({ transport }, count);
    },
  });
  totalCounter(registers, 'pushy_connections_opened_total', 'SockJS connections opened since start.', () => traffic.connectionsOpened);
  new Gauge({
    name: 'pushy_subscriptions',
    help: 'Channel subscriptions of the connections on this node.',
    registers,
    collect() {
      this.set(channels.stats().subscriptions);
    },
  });
  new Gauge({
    name: 'pushy_channels',
    help: 'Channels with subscribers on this node, by kind.',
    labelNames: ['kind'],
    registers,
    collect() {
      for (const [kind, count] of Object.entries(channels.stats().byKind)) this.set({ kind }, count);
    },
  });
  new Gauge({
    name: 'pushy_presence_members',
    help: 'Presence members across all presence channels.',
    registers,
    collect() {
      this.set(channels.stats().members);
    },
  });
  totalCounter(registers, 'pushy_events_triggered_total', 'Events published from this node (HTTP triggers, admin console, commands).', () => traffic.eventsTriggered);
  totalCounter(registers, 'pushy_events_delivered_total', 'Event frames delivered to subscribers on this node (one per recipient).', () => traffic.eventsDelivered);
  new Counter({
    name: 'pushy_frames_total',
    help: 'SockJS frames received from (in) and sent to (out) clients.',
    labelNames: ['direction'],
    registers,
    collect() {
      this.reset();
      this.inc({ direction: 'in' }, traffic.framesIn);
      this.inc({ direction: 'out' }, traffic.framesOut);
    },
  });
  new Counter({
    name: 'pushy_errors_total',
    help: 'Refusals sent: pushy:error frames (source="socket") and HTTP JSON errors (source="http"), by wire code.',
    labelNames: ['source', 'code'],
    registers,
    collect() {
      this.reset();
      for (const [source, counts] of Object.entries(traffic.errors)) {
        for (const [code, count] of counts) this.inc({ source, code }, count);
      }
    },
  });
  new Counter({
    name: 'pushy_app_refusals_total',
    help: "Refusals of an app's own limits (maxConnections, backend event rate...), by app and error name.",
    labelNames: ['app', 'name'],
    registers,
    collect() {
      this.reset();
      for (const { app, name, count } of deps.appCounters?.refusals() ?? []) this.inc({ app, name }, count);
    },
  });
  new Gauge({
    name: 'pushy_app_connections',
    help: 'Open connections on this node, by app.',
    labelNames: ['app'],
    registers,
    collect() {
      const counts = new Map<string, number>();
      for (const connection of deps.connections()) counts.set(connection.app ?? 'default', (counts.get(connection.app ?? 'default') ?? 0) + 1);
      this.reset();
      for (const [app, count] of counts) this.set({ app }, count);
    },
  });
  const triggerDuration = new StatusHistogram(
    'pushy_trigger_duration_seconds',
    'Time to handle a trigger request, from routing to answer, by HTTP status.',
    TRIGGER_BUCKETS,
  );
  own.registerMetric(triggerDuration as unknown as Metric);
  new Gauge({
    name: 'pushy_broker_ready',
    help: '1 when the broker can carry events (a Redis broker: connected), else 0.',
    registers,
    collect() {
      this.set(broker.isReady() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pushy_redis_shard_ready',
    help: 'With adapter.redis.shards or adapter.redis.cluster: 1 per shard (slot group on a cluster) that is connected and subscribed, else 0.',
    labelNames: ['shard'],
    registers,
    collect() {
      this.reset();
      for (const { shard, state } of broker.shardStates?.() ?? []) this.set({ shard }, state === 'ready' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pushy_broker_state',
    help: 'The broker state, as a label on a series that is always 1.',
    labelNames: ['state', 'node_id'],
    registers,
    collect() {
      this.reset();
      this.set({ state: broker.state, node_id: broker.nodeId }, 1);
    },
  });

  const registry = deps.processMetrics === false ? own : Registry.merge([processMetricsRegistry(), own]);
  return {
    registry,
    observeTrigger: (seconds, status) => triggerDuration.observe(status, seconds),
  };
}

/** A label-less counter whose value is a running total kept elsewhere. */
function totalCounter(registers: Registry[], name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers,
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}
