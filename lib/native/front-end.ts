import type { FrontEndWebhooks } from '../webhooks/front-end-webhooks.js';
import type { Server as HttpServer } from 'node:http';
import subscribe from '../../commands/subscribe.js';
import unsubscribe from '../../commands/unsubscribe.js';
import publishEvent from '../../commands/publish-event.js';
import type { ChannelManager } from '../channels/channel-manager.js';
import type { ChannelPolicy } from '../channels/channel-policy.js';
import type { PushyConfig } from '../config.js';
import type { CloseInfo } from '../errors.js';
import type { HistoryStore } from '../history/history-store.js';
import type { IdempotencyStore } from '../history/idempotency-store.js';
import type { RetentionPolicy } from '../history/retention.js';
import { browserClientRoute } from '../http/client-route.js';
import type { DrainGate } from '../http/drain-gate.js';
import type { Route } from '../http/router.js';
import { sockjsClientRoute } from '../http/static-route.js';
import type { Logger } from '../logger.js';
import type { SignaturePolicy } from '../signing/signature-policy.js';
import type { TrafficCounters } from '../stats/traffic.js';
import { CommandRegistry, type LoadReport } from './command-registry.js';
import { historyRoute } from './history-route.js';
import { attachSockjs, createSockjsServer, type SockjsEndpoint } from './sockjs-server.js';
import { triggerRoute } from './trigger-route.js';
import type { AppDirectory } from '../apps/app-directory.js';
import { AppGate } from './app-gate.js';
import { BackendRates } from './app-request.js';
import { CLOSES } from '../errors.js';
import type { AppCounters } from '../stats/app-counters.js';
import { ChannelGrants } from './channel-grants.js';
import { ClientEventGate } from './client-events.js';
import { ExclusiveChannels } from './exclusive-channels.js';
import { WildcardSubscriptions } from '../channels/wildcard-subscriptions.js';
import { ChannelRules } from '../channel-rules/channel-rules.js';
import type { ExclusiveChannelStore } from '../channel-rules/exclusive-channel-store.js';
import type { Broker } from '../broker/broker.js';
import { ChannelTokenVerifier } from '../tokens/verify-channel-token.js';
import { DEFAULT_APP_KEY } from '../apps/app.js';
import { eventsRoutes } from './events-routes.js';
import { createTrustedTriggers } from '../network/trusted-triggers.js';

/** What the native front end needs from the server. */
export interface NativeFrontEndDeps {
  config: PushyConfig;
  /** The webhooks told of client events (`client_event`); absent: none are sent. */
  webhooks?: FrontEndWebhooks;
  logger: Logger;
  channels: ChannelManager;
  policy: ChannelPolicy;
  traffic: TrafficCounters;
  /**
   * The apps this server serves: the default app (top-level `secretKey`) and the store's. A socket
   * names its app by its URL, a trigger or history read by its path; each is signed with its app's secrets.
   */
  apps: AppDirectory;
  /** Per-app counts: backend events published, refusals of each app's limits. */
  appCounters?: AppCounters;
  /** Which signatures channel auth, triggers and history reads take (v3; v1/v2 while legacy is on). */
  signatures: SignaturePolicy;
  /** The default app's secret (configured or generated): it verifies channel tokens of kid "default". */
  secretKey: string;
  /** Carries eviction notices of exclusive channels between nodes. */
  broker: Broker;
  /** Places on exclusive channels (`channels` rules), per node or cluster-wide. */
  exclusiveStore: ExclusiveChannelStore;
  history: HistoryStore;
  retention: RetentionPolicy;
  idempotency: IdempotencyStore;
  /** Admits triggers until shutdown; refused ones get 503. */
  triggers: DrainGate;
  /** Wraps the trigger route (refusal counts and the latency histogram). */
  instrumentTrigger(route: Route): Route;
  /** While this says no (shutting down), new sockets are closed with this close. */
  accepting(): CloseInfo | { code: number; reason: string } | undefined;
}

/** Pushy's own protocol: SockJS (and raw WebSocket) sockets, client commands, and its HTTP API. */
export interface NativeFrontEnd {
  /** Its HTTP routes: trigger, history, and the client scripts it serves. */
  readonly routes: Route[];
  readonly commands: CommandRegistry;
  /** What loading `commandsDir` gave. */
  readonly commandsReport: LoadReport;
  /**
   * Attaches the socket endpoint to the HTTP server. SockJS wraps the request listeners present
   * when it installs, so call it once the router is in place.
   */
  attach(httpServer: HttpServer): SockjsEndpoint;
}

/**
 * Builds the native front end in dependency order: the SockJS server object, then the command
 * registry (v1 commands get that object), the built-in and custom commands, then the routes.
 */
export async function createNativeFrontEnd(deps: NativeFrontEndDeps): Promise<NativeFrontEnd> {
  const { config, logger, channels, policy, traffic, signatures, apps } = deps;
  const { limits } = config;
  const sockjsServer = createSockjsServer(config.sockjs, limits, logger);
  // Channel tokens of the default app: `kid` "default" names its key, the top-level secretKey.
  const tokens = new ChannelTokenVerifier({
    secretForKid: (kid) => (kid === DEFAULT_APP_KEY ? deps.secretKey : undefined),
    maxChannelNameLength: limits.maxChannelNameLength,
  });
  const grants = new ChannelGrants();
  const exclusive = new ExclusiveChannels({
    rules: new ChannelRules(config.channels),
    store: deps.exclusiveStore,
    broker: deps.broker,
    channels,
    logger,
    onEvicted: (connection, channel) => grants.set(connection, channel, undefined),
  });
  await exclusive.start();
  const commands = new CommandRegistry({
    logger,
    channels,
    policy,
    maxFrameBytes: limits.maxFrameBytes,
    appFrameLimit: (connection) => apps.get(connection.app)?.limits.maxFrameBytes,
    onAppFrameRefusal: (connection) => deps.appCounters?.refusal(connection.app, 'FRAME_TOO_LARGE'),
    maxPresenceDataBytes: limits.maxPresenceDataBytes,
    // An app removed while its socket was open has no secrets left: nothing it signs passes.
    authorize: (input, connection) => {
      const app = apps.get(connection.app);
      return app !== undefined && signatures.verifyChannelAuth(input, apps.secretsFor(app));
    },
    verifyToken: (token, target) => tokens.verify(token, target),
    grants,
    exclusive,
    clientEvents: new ClientEventGate(config.clientEvents),
    ...(deps.webhooks ? { webhooks: deps.webhooks } : {}),
    wildcards: new WildcardSubscriptions({ broker: deps.broker, logger, maxPerConnection: limits.maxChannelsPerConnection, traffic }),
    sockjsServer,
  });
  commands.register(subscribe);
  commands.register(unsubscribe);
  commands.register(publishEvent);
  const commandsReport = config.commandsDir ? await commands.loadFolder(config.commandsDir) : { loaded: [], failed: [] };
  const rates = new BackendRates();
  // Unsigned triggers from trusted networks (off unless trigger.trustedNetworks is set).
  const trusted = createTrustedTriggers({ trustedNetworks: config.trigger.trustedNetworks, trustProxy: config.trustProxy });
  const routes: Route[] = [
    deps.instrumentTrigger(
      triggerRoute({
        channels,
        logger,
        signatures,
        maxBodyBytes: limits.maxTriggerBodyBytes,
        policy,
        gate: deps.triggers,
        idempotency: deps.idempotency,
        apps,
        counters: deps.appCounters,
        rates,
        trusted,
      }),
    ),
    ...eventsRoutes({
      channels,
      logger,
      signatures,
      maxBodyBytes: limits.maxTriggerBodyBytes,
      limits: { maxChannels: limits.maxTriggerChannels, maxBatchEvents: limits.maxBatchEvents, maxChannelNameLength: limits.maxChannelNameLength },
      idempotency: deps.idempotency,
      trusted,
      gate: deps.triggers,
    }).map((route) => deps.instrumentTrigger(route)),
    historyRoute({
      history: deps.history,
      retention: deps.retention,
      logger,
      signatures,
      maxLimit: config.history.maxReadLimit,
      policy,
      apps,
    }),
    sockjsClientRoute(),
    browserClientRoute(),
  ];
  const gate = new AppGate(apps);
  return {
    routes,
    commands,
    commandsReport,
    attach: (httpServer) => {
      const endpoint = attachSockjs({
        httpServer,
        server: sockjsServer,
        options: config.sockjs,
        limits,
        logger,
        channels,
        traffic,
        commands,
        accepting: deps.accepting,
        gate,
        onAppRefusal: (app) => deps.appCounters?.refusal(app, 'APP_TOO_MANY_CONNECTIONS'),
      });
      // A disabled or removed app's sockets are closed on every node: each node hears the store's change.
      const stopWatching = apps.onChange((change) => {
        const close = change.type === 'removed' ? CLOSES.APP_NOT_FOUND : change.app.enabled ? undefined : CLOSES.APP_DISABLED;
        if (close) void endpoint.closeApp(change.app.id, close.code, close.reason);
        if (change.type === 'removed') {
          rates.forget(change.app.id);
          deps.appCounters?.forget(change.app.id);
        }
      });
      httpServer.once('close', stopWatching);
      return endpoint;
    },
  };
}
