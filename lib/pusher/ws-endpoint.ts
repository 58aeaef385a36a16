import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Logger } from '../logger.js';
import type { PusherClose } from './protocol.js';

/** Path of the Pusher WebSocket endpoint: `/app/<key>`. */
const PATH = /^\/app\/([^/]+)\/?$/;

/** What the endpoint does with an accepted WebSocket. */
export interface PusherWsOptions {
  httpServer: HttpServer;
  /** Largest client message, in bytes: a larger one closes the socket (1009) before it is buffered. */
  maxPayload: number;
  logger: Logger;
  /**
   * Called for each upgraded socket with its key and query: returns the refusal to send (a
   * `pusher:error` then the close), or undefined once it has taken the socket.
   */
  onSocket(ws: WebSocket, socket: Socket, key: string, query: URLSearchParams, req: IncomingMessage): PusherClose | undefined;
}

/**
 * Serves Pusher's WebSocket endpoint on the main port. It takes the `upgrade` events of
 * `/app/<key>` only; every other upgrade goes to the listeners that were there before (SockJS,
 * the native WebSocket transport), as `ws-transport.ts` does.
 */
export function attachPusherWs(options: PusherWsOptions): () => void {
  const { httpServer, logger } = options;
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: options.maxPayload });
  const previous = httpServer.listeners('upgrade') as Array<(req: IncomingMessage, socket: Duplex, head: Buffer) => void>;
  httpServer.removeAllListeners('upgrade');
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const target = req.url ?? '';
    const mark = target.indexOf('?');
    const match = PATH.exec(mark === -1 ? target : target.slice(0, mark));
    if (req.method !== 'GET' || !match) {
      for (const listener of previous) listener.call(httpServer, req, socket, head);
      return;
    }
    let key: string;
    try {
      key = decodeURIComponent(match[1]!);
    } catch {
      key = '';
    }
    const query = new URLSearchParams(mark === -1 ? '' : target.slice(mark + 1));
    wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        ws.on('error', (error: Error) => {
          // A client fault (bad framing, a message over maxPayload): ws has sent the close.
          logger.debug('pusher websocket error', { error: error.message });
          if ((error as NodeJS.ErrnoException).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') ws.terminate();
        });
        const refusal = options.onSocket(ws, socket as Socket, key, query, req);
        if (refusal) {
          ws.send(JSON.stringify({ event: 'pusher:error', data: { message: refusal.reason, code: refusal.code } }));
          ws.close(refusal.code, refusal.reason);
        }
      } catch (error) {
        logger.error('pusher websocket start failed', { error });
        ws.terminate();
      }
    });
  };
  const guarded = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    try {
      onUpgrade(req, socket, head);
    } catch (error) {
      logger.error('pusher websocket upgrade failed', { error });
      socket.destroy();
    }
  };
  httpServer.on('upgrade', guarded);
  return () => {
    httpServer.off('upgrade', guarded);
    wss.close();
  };
}

/** The text of a WebSocket message, or undefined for a binary one (Pusher has none). */
export function messageText(data: RawData, isBinary: boolean): string | undefined {
  if (isBinary) return undefined;
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  return bytes.toString();
}
