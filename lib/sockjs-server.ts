import type { Server as HttpServer } from 'node:http';
import sockjs from 'sockjs';
import type { CommandRegistry } from './command-registry.js';
import type { ChannelManager } from './channels/channel-manager.js';
import { Connection, type TransportSocket } from './connection.js';
import type { PushyConfig } from './config.js';
import { PushyError } from './errors.js';
import type { Logger } from './logger.js';
import { EVENTS, PROTOCOL_VERSION } from './protocol.js';
import { attachWsTransport, type SessionListeners } from './transports/ws-transport.js';

/** What the SockJS endpoint needs. */
export interface SockjsEndpointDeps {
  httpServer: HttpServer;
  options: PushyConfig['sockjs'];
  logger: Logger;
  channels: ChannelManager;
  /** Resolved lazily so that the registry can hand the SockJS server to v1 commands. */
  commands: () => CommandRegistry;
}

/** The live SockJS endpoint. */
export interface SockjsEndpoint {
  /** The `sockjs` package's server object. */
  readonly server: sockjs.Server;
  /** Open connections of this node. */
  readonly connections: ReadonlySet<Connection>;
  /** Closes every connection with a SockJS close frame and waits until they are gone. */
  closeAll(code: number, reason: string): Promise<void>;
}

/**
 * Attaches SockJS (every transport) to the HTTP server, with the WebSocket session transport
 * served by `transports/ws-transport.ts` and the others by the `sockjs` package. Each socket becomes a
 * {@link Connection}; its frames are dispatched one at a time, in order, and its
 * subscriptions are dropped when it closes.
 */
export function attachSockjs(deps: SockjsEndpointDeps): SockjsEndpoint {
  const { options, logger, channels } = deps;
  const connections = new Set<Connection>();
  const server = sockjs.createServer({
    prefix: options.prefix,
    sockjs_url: options.clientUrl,
    heartbeat_delay: options.heartbeatDelay,
    disconnect_delay: options.disconnectDelay,
    response_limit: options.responseLimit,
    websocket: options.websocket,
    log: (severity: string, message: string) => {
      if (severity === 'error') logger.error(`sockjs: ${message}`);
    },
  });

  /** Turns an open socket of any transport into a Connection with in-order dispatch. */
  const accept = (socket: TransportSocket, listen: (listeners: SessionListeners) => void): void => {
    const connection = new Connection(socket);
    connections.add(connection);
    logger.debug('connection open', { connectionId: connection.id, transport: connection.protocol, remote: connection.socket.remoteAddress });
    connection.send(EVENTS.connect, undefined, { socketId: connection.id, protocol: connection.protocol, version: PROTOCOL_VERSION });

    // One frame at a time: a subscribe must finish before the unsubscribe that follows it.
    let pending: Promise<void> = Promise.resolve();
    listen({
      data: (message) => {
        if (typeof message !== 'string') {
          connection.sendError(new PushyError('BOGUS_FRAME', 'Bogus frame: binary frames are not supported'));
          return;
        }
        pending = pending.then(() => deps.commands().dispatch(connection, message));
      },
      close: () => {
        connection.markClosed();
        pending = pending.then(async () => {
          await channels.removeConnection(connection);
          connections.delete(connection);
          logger.debug('connection closed', { connectionId: connection.id, transport: connection.protocol });
        });
      },
    });
  };

  server.on('connection', (conn: sockjs.Connection | null) => {
    // sockjs emits null for a session whose request already went away.
    if (!conn) return;
    accept(adaptSocket(conn), (listeners) => {
      // sockjs hands over each element of a client's message array as parsed: usually a string,
      // but `[1]` gives a number; as text it is refused like any other bogus frame.
      conn.on('data', (data: unknown) => listeners.data(typeof data === 'string' ? data : String(JSON.stringify(data))));
      conn.once('close', () => {
        conn.removeAllListeners('data');
        listeners.close();
      });
    });
  });

  server.installHandlers(deps.httpServer, { prefix: options.prefix });
  // Installed after sockjs so that it sees the WebSocket session path first (see ws-transport).
  if (options.websocket) {
    attachWsTransport({
      httpServer: deps.httpServer,
      prefix: options.prefix,
      heartbeatDelay: options.heartbeatDelay,
      logger,
      onSession: (session) => accept(session, (listeners) => session.listen(listeners)),
    });
  }

  return {
    server,
    connections,
    async closeAll(code, reason) {
      const open = [...connections];
      await Promise.all(
        open.map(
          (connection) =>
            new Promise<void>((resolve) => {
              connection.onClose(resolve);
              connection.close(code, reason);
            }),
        ),
      );
    },
  };
}

function adaptSocket(conn: sockjs.Connection): TransportSocket {
  return {
    protocol: conn.protocol,
    remoteAddress: conn.remoteAddress,
    headers: conn.headers,
    write: (text) => {
      conn.write(text);
    },
    close: (code, reason) => {
      conn.close(String(code), reason);
    },
  };
}
