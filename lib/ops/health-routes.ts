import type { Broker } from '../broker/broker.js';
import { PushyError, errorBody } from '../errors.js';
import { sendJson } from '../http/respond.js';
import type { Route } from '../http/router.js';

/** What the probes look at. */
export interface HealthDeps {
  broker: Broker;
  /** True from the start of a shutdown. */
  isShuttingDown(): boolean;
  /** Clock in ms (tests may pass their own). */
  now?: () => number;
}

/**
 * `GET /pushy/health` (liveness: the process answers) and `GET /pushy/ready` (readiness:
 * accepting traffic and, when it has one to lose, connected to the broker). Both are
 * unauthenticated and say nothing secret, for load balancers and Kubernetes probes.
 */
export function healthRoutes(deps: HealthDeps): Route[] {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const uptime = (): number => Math.round((now() - startedAt) / 1000);
  return [
    {
      methods: ['GET', 'HEAD'],
      path: /^\/pushy\/health\/?$/,
      handle({ res }) {
        sendJson(res, 200, { status: 'ok', uptime: uptime() });
      },
    },
    {
      methods: ['GET', 'HEAD'],
      path: /^\/pushy\/ready\/?$/,
      handle({ res }) {
        const shuttingDown = deps.isShuttingDown();
        const brokerOk = deps.broker.isReady();
        const checks = { accepting: !shuttingDown, broker: deps.broker.state, ...(deps.broker.shardStates ? { shards: deps.broker.shardStates() } : {}) };
        if (!shuttingDown && brokerOk) {
          sendJson(res, 200, { status: 'ready', uptime: uptime(), checks });
          return;
        }
        const message = shuttingDown ? 'Shutting down' : 'Broker not connected';
        const error = errorBody(new PushyError('UNAVAILABLE', message));
        sendJson(res, 503, { status: 'unavailable', uptime: uptime(), checks, error }, { 'Retry-After': '5' });
      },
    },
  ];
}
