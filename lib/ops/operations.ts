import { adminRoutes } from '../admin/admin-routes.js';
import type { AdminCredentials } from '../admin/basic-auth.js';
import { TrafficHistory } from '../admin/traffic-samples.js';
import { LoginThrottle } from '../admin/login-throttle.js';
import type { NodeRegistry } from '../nodes/node-registry.js';
import { nodeView } from '../admin/snapshot.js';
import { startMetaStats, type MetaPublisher } from '../meta/meta-publisher.js';
import type { Broker } from '../broker/broker.js';
import type { ChannelManager } from '../channels/channel-manager.js';
import type { ChannelPolicy } from '../channels/channel-policy.js';
import { ConfigError, type PushyConfig } from '../config.js';
import type { OpenConnections } from '../stats/connections.js';
import { healthRoutes } from './health-routes.js';
import { instrumentRoute } from './instrument.js';
import { metricsRoute } from './metrics-route.js';
import type { Route } from '../http/router.js';
import type { Logger } from '../logger.js';
import { createPrometheusMetrics } from '../metrics/prometheus.js';
import type { TrafficCounters } from '../stats/traffic.js';
import type { AppDirectory } from '../apps/app-directory.js';
import type { AppCounters } from '../stats/app-counters.js';

/** What the operations side reads from the server. */
export interface OperationsDeps {
  config: PushyConfig;
  broker: Broker;
  channels: ChannelManager;
  /** The channel-name rule (admin API). */
  policy: ChannelPolicy;
  /** Open connections (resolved when asked: SockJS is attached after the routes exist). */
  connections: OpenConnections;
  /** The totals the channel manager and SockJS endpoint move. */
  traffic: TrafficCounters;
  logger: Logger;
  secretKey: string;
  /** Where this node publishes its view and finds its peers' (the admin per-node view). */
  nodes: NodeRegistry;
  /** The apps (admin API `/pushy/admin/api/apps`). */
  apps?: AppDirectory;
  /** Per-app counts (admin app list, metrics `app` label). */
  appCounters?: AppCounters;
}

/** Probes, metrics and the admin side of one server. */
export interface Operations {
  /** Health, readiness, metrics (when enabled) and admin (when configured) routes. */
  readonly routes: Route[];
  /** Wraps the trigger route: counts its refusals and times it for the latency histogram. */
  instrumentTrigger(route: Route): Route;
  /** Call once listening: starts sampling the dashboard chart and publishing this node's view. */
  start(): void;
  /**
   * Call first thing in a shutdown: readiness answers 503 from now on, and this resolves after
   * `health.drainDelay` so that load balancers can stop routing here while we still serve.
   */
  drain(): Promise<void>;
  /** Call once the sockets are closed: removes this node from the node list. */
  close(): Promise<void>;
}

/** The admin chart: one sample of the cluster a second, five minutes of them. */
const HISTORY_INTERVAL_MS = 1000;
const HISTORY_SAMPLES = 300;

/** Builds the operations side from the config; throws a ConfigError for half an admin credential. */
export function createOperations(deps: OperationsDeps): Operations {
  const { config, broker, channels, policy, connections, traffic, logger, nodes } = deps;
  const credentials = adminCredentials(config);
  const metrics = config.metrics.enabled ? createPrometheusMetrics({ traffic, channels, connections, broker, appCounters: deps.appCounters }) : undefined;
  let shuttingDown = false;
  const view = { broker, channels, connections, traffic, startedAt: Date.now() };

  const routes: Route[] = healthRoutes({ broker, isShuttingDown: () => shuttingDown });
  if (metrics) routes.push(metricsRoute(config.metrics.path, metrics.registry, config.metrics.token));
  let history: TrafficHistory | undefined;
  if (credentials) {
    history = new TrafficHistory({
      intervalMs: HISTORY_INTERVAL_MS,
      capacity: HISTORY_SAMPLES,
      logger,
      read: async () => (await nodes.list(nodeView(view))).nodes,
    });
    const admin = adminRoutes({
      credentials,
      throttle: new LoginThrottle({ maxFailures: config.admin.maxLoginFailures, lockoutMs: config.admin.lockoutSeconds * 1000 }),
      ...view,
      policy,
      nodes,
      history,
      logger,
      secretKey: deps.secretKey,
      sockjsPrefix: config.sockjs.prefix,
      maxBodyBytes: config.limits.maxTriggerBodyBytes,
      appsApi: deps.apps && deps.appCounters ? { apps: deps.apps, counters: deps.appCounters, connections, maxBodyBytes: config.limits.maxTriggerBodyBytes } : undefined,
    });
    routes.push(...admin.map((route) => instrumentRoute(route, { traffic })));
  }

  // The default app's private-meta-stats channel (issue #17): started with the node list.
  let meta: MetaPublisher | undefined;

  return {
    routes,
    instrumentTrigger: (route) => instrumentRoute(route, { traffic, observe: metrics?.observeTrigger }),
    start() {
      history?.start();
      meta = startMetaStats({ broker, logger, nodes: async () => (await nodes.list(nodeView(view))).nodes });
      nodes.start(
        () => nodeView(view),
        // Every app's channels, by channel key: the Pusher HTTP API counts any app's cluster-wide.
        () => channels.localSubscriberCountsByKey(),
      );
    },
    async drain() {
      shuttingDown = true;
      history?.stop();
      meta?.stop();
      if (config.health.drainDelay > 0) {
        logger.info('draining before close', { drainDelay: config.health.drainDelay });
        await new Promise((resolve) => setTimeout(resolve, config.health.drainDelay));
      }
    },
    close: () => nodes.close(),
  };
}

/** The admin credential, or undefined when the admin side is off. */
function adminCredentials(config: PushyConfig): AdminCredentials | undefined {
  const { username, password } = config.admin;
  if (!username && !password) return undefined;
  if (!username || !password) throw new ConfigError('admin.username and admin.password must be set together');
  return { username, password };
}
