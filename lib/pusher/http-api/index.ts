import type { ChannelManager } from '../../channels/channel-manager.js';
import type { HistoryStore } from '../../history/history-store.js';
import type { RetentionPolicy } from '../../history/retention.js';
import type { DrainGate } from '../../http/drain-gate.js';
import type { Route } from '../../http/router.js';
import type { Logger } from '../../logger.js';
import type { NodeRegistry } from '../../nodes/node-registry.js';
import type { PresenceStore } from '../../presence/presence-store.js';
import type { SignatureReplayStore } from '../../signing/replay-store.js';
import type { ApiApps } from './authenticate.js';
import { ChannelCounts } from './channel-counts.js';
import { pusherApiRoutes } from './routes.js';

/** What the server hands the Pusher HTTP API. */
export interface PusherHttpApiDeps {
  apps: ApiApps;
  channels: ChannelManager;
  nodes: NodeRegistry;
  presence: PresenceStore;
  replays: SignatureReplayStore;
  /** The channels' history and retention: a `cache-` channel's last event (`info=cache`). */
  history: HistoryStore;
  retention: RetentionPolicy;
  logger: Logger;
  gate?: DrainGate;
}

/** The routes of the Pusher HTTP API (`/apps/<id>/...`), built from the server's parts. */
export function createPusherHttpApi(deps: PusherHttpApiDeps): Route[] {
  const { apps, channels, nodes, presence, replays, history, retention, logger, gate } = deps;
  const counts = new ChannelCounts({ channels, nodes, presence });
  return pusherApiRoutes({ apps, channels, counts, cache: { history, retention }, replays, logger, ...(gate ? { gate } : {}) });
}

export { pusherApiRoutes, type PusherApiDeps } from './routes.js';
export { DEFAULT_API_LIMITS, type ApiLimits } from './limits.js';
