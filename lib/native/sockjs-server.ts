import type { Server as HttpServer } from 'node:http';
import sockjs from 'sockjs';
import type { CommandRegistry } from './command-registry.js';
import type { ChannelManager } from '../channels/channel-manager.js';
import { Connection } from './connection.js';
import type { TransportSocket } from '../transport/transport-socket.js';
import type { PushyConfig } from '../config.js';
import { CLOSES, PushyError, errorBody } from '../errors.js';
import type { Logger } from '../logger.js';
import type { TrafficCounters } from '../stats/traffic.js';
import { EVENTS, PROTOCOL_VERSION, encodeFrame } from './protocol.js';
import { adaptSockjsConnection } from '../transport/sockjs-connection.js';
import { TokenBucket } from '../token-bucket.js';
import { AddressCap } from './transports/address-cap.js';
import { guarded } from './transports/guarded.js';
import { maxClientMessageBytes } from './transports/message-limits.js';
import { guardSockjsBodies } from './transports/sockjs-bodies.js';
import { FrameBatcher } from '../transport/frame-batcher.js';
import { attachHttpTransports } from './transports/http-transport.js';
import { attachWsTransport, type SessionListeners } from './transports/ws-transport.js';
import { socketPrefixPattern } from '../apps/socket-path.js';
import type { AppGate } from './app-gate.js';

/** The limits the SockJS endpoint enforces per connection and per node. */
export type SockjsLimits = Pick<
  PushyConfig['limits'],
  | 'maxConnections'
  | 'maxConnectionsPerIp'
  | 'framesPerSecond'
  | 'frameBurst'
  | 'maxRejectedFrames'
  | 'maxQueuedFrames'
  | 'maxBufferedBytes'
  | 'maxFrameBytes'
>;

/** What the SockJS endpoint needs. */
export interface SockjsEndpointDeps {
  httpServer: HttpServer;
  /** The `sockjs` package's server object (see {@link createSockjsServer}). */
  server: sockjs.Server;
  options: PushyConfig['sockjs'];
  limits: SockjsLimits;
  logger: Logger;
  channels: ChannelManager;
  /** Every client frame goes to its dispatch. */
  commands: CommandRegistry;
  /** Frame and connection totals (metrics, admin dashboard). */
  traffic?: TrafficCounters;
  /** While this says no (shutting down), new sockets are closed with this close. */
  accepting?: () => { code: number; reason: string } | undefined;
  /** Which app a socket belongs to, by its URL, and each app's connection limit (default: every socket in the default app). */
  gate?: AppGate;
  /** Called with the app of each socket an app limit refused (per-app refusal counts). */
  onAppRefusal?: (app: string) => void;
}

/** The live SockJS endpoint. */
export interface SockjsEndpoint {
  /** The `sockjs` package's server object. */
  readonly server: sockjs.Server;
  /** Open connections of this node. */
  readonly connections: ReadonlySet<Connection>;
  /** Closes every connection with a SockJS close frame and waits until they are gone. */
  closeAll(code: number, reason: string): Promise<void>;
  /** Closes the connections of one app (disabled or removed) with a SockJS close frame. */
  closeApp(appId: string, code: number, reason: string): Promise<void>;
}

/**
 * The `sockjs` package's server object, not attached to anything yet: made first, because v1
 * commands get it as their first argument, and attached by {@link attachSockjs}.
 */
export function createSockjsServer(options: PushyConfig['sockjs'], limits: SockjsLimits, logger: Logger): sockjs.Server {
  return sockjs.createServer({
    // The default endpoint and every app's (`/pushy/app/<key>/socket`), as one pattern.
    prefix: socketPrefixPattern(options.prefix),
    sockjs_url: options.clientUrl,
    heartbeat_delay: options.heartbeatDelay,
    disconnect_delay: options.disconnectDelay,
    response_limit: options.responseLimit,
    websocket: options.websocket,
    // The raw WebSocket endpoint (faye-websocket): a longer message closes the socket with 1009
    // before it is buffered (faye's own bound is 64 MiB).
    faye_server_options: { maxLength: maxClientMessageBytes(limits) },
    // What sockjs reports as an error is a request it refused (an unsupported content type, a
    // body it could not take): client faults, so a debug line without the stack. Pushy's own
    // listeners it calls are guarded and log their failures themselves.
    log: (severity: string, message: string) => {
      if (severity === 'error') logger.debug(`sockjs: ${message.split('\n', 1)[0]}`);
    },
  } as sockjs.ServerOptions);
}

/**
 * Attaches SockJS (every transport) to the HTTP server: WebSocket sessions served by
 * `transports/ws-transport.ts`, xhr-streaming, xhr-polling and eventsource by
 * `transports/http-transport.ts` (both on the shared pre-framed path), the others (htmlfile,
 * jsonp, the raw WebSocket endpoint, info and iframe pages) by the `sockjs` package. Each socket
 * becomes a {@link Connection}; its frames are rate limited, then dispatched one at a time, in
 * order, and its subscriptions are dropped when it closes.
 */
export function attachSockjs(deps: SockjsEndpointDeps): SockjsEndpoint {
  const { server, options, logger, channels, limits, commands } = deps;
  const connections = new Set<Connection>();
  const perAddress = new AddressCap(limits.maxConnectionsPerIp);
  const maxMessageBytes = maxClientMessageBytes(limits);

  /** Turns an open socket of any transport into a Connection with limits and in-order dispatch. */
  const accept = (socket: TransportSocket, listen: (listeners: SessionListeners) => void, path: string): void => {
    const overall = deps.accepting?.() ?? (connections.size >= limits.maxConnections ? CLOSES.TOO_MANY_CONNECTIONS : undefined);
    // Counted against its address (and its app) only when let in; uncounted when it closes.
    const release = overall ? undefined : perAddress.take(socket.remoteAddress);
    const admitted = release && deps.gate ? deps.gate.admit(path) : undefined;
    if (admitted && 'close' in admitted) {
      release?.();
      logger.debug('connection refused', { reason: admitted.close.reason, transport: socket.protocol, remote: socket.remoteAddress });
      if (admitted.app !== undefined) deps.onAppRefusal?.(admitted.app);
      // The refusal's catalogue name and message first (the close reason is short), then the close.
      socket.write(encodeFrame(EVENTS.error, undefined, errorBody(admitted.error)));
      socket.close(admitted.close.code, admitted.close.reason);
      return;
    }
    if (!release) {
      const refusal = overall ?? CLOSES.TOO_MANY_CONNECTIONS_FROM_ADDRESS;
      // A full node is the operator's concern; one address over its share is that client's.
      const log = overall ? logger.warn : logger.debug;
      log('connection refused', { reason: refusal.reason, transport: socket.protocol, remote: socket.remoteAddress });
      socket.close(refusal.code, refusal.reason);
      return;
    }
    const app = admitted?.app.id;
    const connection = new Connection(socket, { maxBufferedBytes: limits.maxBufferedBytes, logger, traffic: deps.traffic, app });
    connections.add(connection);
    if (deps.traffic) deps.traffic.connectionsOpened += 1;
    logger.debug('connection open', { connectionId: connection.id, transport: connection.protocol, remote: connection.socket.remoteAddress });
    connection.send(EVENTS.connect, undefined, { socketId: connection.id, protocol: connection.protocol, version: PROTOCOL_VERSION });

    const frames = new TokenBucket(limits.frameBurst, limits.framesPerSecond);
    // Refusals are forgiven at a tenth of the tolerance per second; a client that uses them up
    // is flooding, not bursting.
    const tolerance = new TokenBucket(limits.maxRejectedFrames, limits.maxRejectedFrames / 10);
    let flooding = false;
    const refuse = (error: PushyError): void => {
      if (tolerance.take()) {
        connection.sendError(error);
        return;
      }
      flooding = true;
      logger.warn('flooding connection closed', { connectionId: connection.id, transport: connection.protocol });
      connection.close(CLOSES.FLOODING.code, CLOSES.FLOODING.reason);
    };

    // One frame at a time: a subscribe must finish before the unsubscribe that follows it.
    let pending: Promise<void> = Promise.resolve();
    let queued = 0;
    const dispatch = async (text: string): Promise<void> => {
      try {
        await commands.dispatch(connection, text);
      } catch (error) {
        // The dispatcher answers every refusal itself; only a bug gets here. Caught, so that the
        // chain goes on with the next frame and nothing is left as an unhandled rejection.
        logger.error('frame dispatch failed', { connectionId: connection.id, error });
      } finally {
        queued -= 1;
      }
    };
    const cleanUp = async (): Promise<void> => {
      try {
        await channels.removeSubscriber(connection);
      } catch (error) {
        logger.error('cleanup of a closed connection failed', { connectionId: connection.id, error });
      }
      connections.delete(connection);
      logger.debug('connection closed', { connectionId: connection.id, transport: connection.protocol });
    };
    listen({
      data: guarded(logger, 'client message', (data: unknown) => {
        if (deps.traffic) deps.traffic.framesIn += 1;
        if (!connection.isOpen || flooding) return;
        if (!frames.take()) return refuse(new PushyError('RATE_LIMITED'));
        if (queued >= limits.maxQueuedFrames) return refuse(new PushyError('TOO_MANY_QUEUED_FRAMES'));
        if (typeof data !== 'string') {
          // A binary WebSocket frame, or a non-string element of a SockJS message array.
          const what = Buffer.isBuffer(data) ? 'binary frames are not supported' : 'expected a text message';
          connection.sendError(new PushyError('BOGUS_FRAME', `Bogus frame: ${what}`));
          return;
        }
        queued += 1;
        pending = after(pending, () => dispatch(data));
      }),
      close: guarded(logger, 'connection close', () => {
        release();
        admitted?.release();
        connection.markClosed();
        pending = after(pending, cleanUp);
      }),
    });
  };

  server.on(
    'connection',
    guarded(logger, 'SockJS connection', (conn: sockjs.Connection | null) => {
      // sockjs emits null for a session whose request already went away.
      if (!conn) return;
      accept(
        adaptSockjsConnection(conn),
        (listeners) => {
          conn.on('data', (data: unknown) => listeners.data(data));
          conn.once('close', () => {
            conn.removeAllListeners('data');
            listeners.close();
          });
        },
        conn.pathname ?? '',
      );
    }),
  );

  const prefix = socketPrefixPattern(options.prefix);
  server.installHandlers(deps.httpServer, { prefix });
  // One batcher for the WebSocket and HTTP transports: a batch's `a[...]` is built once, its
  // bytes once per transport.
  const batcher = new FrameBatcher(options.writeDelay);
  // Installed after sockjs so that they see their session paths first, and before the body guard
  // so that their `xhr_send` bodies are bounded by it like every other SockJS post.
  attachHttpTransports({
    httpServer: deps.httpServer,
    pattern: prefix,
    heartbeatDelay: options.heartbeatDelay,
    disconnectDelay: options.disconnectDelay,
    responseLimit: options.responseLimit,
    batcher,
    logger,
    onSession: (session, path) => accept(session, (listeners) => session.listen(listeners), path),
  });
  guardSockjsBodies(deps.httpServer, { prefix, maxBytes: maxMessageBytes, logger });
  // Installed after sockjs so that it sees the WebSocket session path first (see ws-transport).
  if (options.websocket) {
    attachWsTransport({
      httpServer: deps.httpServer,
      prefix: options.prefix,
      pattern: prefix,
      heartbeatDelay: options.heartbeatDelay,
      maxPayload: maxMessageBytes,
      logger,
      batcher,
      onSession: (session, path) => accept(session, (listeners) => session.listen(listeners), path),
    });
  }

  return {
    server,
    connections,
    closeAll: (code, reason) => closeEach([...connections], code, reason),
    closeApp: (appId, code, reason) => closeEach([...connections].filter((connection) => connection.app === appId), code, reason),
  };
}

/** Closes these connections with a SockJS close frame and waits until they are gone. */
async function closeEach(open: Connection[], code: number, reason: string): Promise<void> {
  await Promise.all(
    open.map(
      (connection) =>
        new Promise<void>((resolve) => {
          connection.onClose(resolve);
          connection.close(code, reason);
        }),
    ),
  );
}

/** Runs `task` once `previous` is done: the per-connection queue (neither ever rejects). */
async function after(previous: Promise<void>, task: () => Promise<void>): Promise<void> {
  await previous;
  await task();
}
