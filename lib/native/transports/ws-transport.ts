import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { TransportSocket } from '../../transport/transport-socket.js';
import { TERMINATE_GRACE_MS } from '../../transport/terminate-grace.js';
import type { Logger } from '../../logger.js';
import { escapeRegExp } from '../../util/regexp.js';
import type { BatchNode, FrameBatcher, FrameSink } from '../../transport/frame-batcher.js';
import { guarded } from './guarded.js';
import { HEARTBEAT_FRAME, OPEN_FRAME, WEBSOCKET_FRAMING, closeFrame, parseIncoming } from './sockjs-framing.js';
import { webSocketTextFrame } from '../../transport/websocket-frame.js';

/** What the WebSocket transport needs. */
export interface WsTransportOptions {
  httpServer: HttpServer;
  /** SockJS prefix, e.g. `/pushy/socket`. */
  prefix: string;
  /** The prefix as a regular expression source, when it covers more than one path (the app endpoints); default: `prefix` literally. */
  pattern?: string;
  /** Milliseconds between heartbeats: `h` on idle sessions, and a ping that must be answered (0: none). */
  heartbeatDelay: number;
  /**
   * Largest WebSocket message taken in, in bytes; a larger one closes the socket with 1009
   * before it is buffered (see `maxClientMessageBytes`).
   */
  maxPayload: number;
  logger: Logger;
  /** Coalesces each socket's messages (shared with the HTTP transports). */
  batcher: FrameBatcher;
  /** Called once per open session, right after its `o` frame, with the path it was opened at. */
  onSession(session: WsSession, path: string): void;
}

/** What the connection glue listens to on a session. */
export interface SessionListeners {
  /** One SockJS message (a client frame's text), or a binary WebSocket frame as received. */
  data(message: unknown): void;
  /** The session is gone; called once. */
  close(): void;
}

// Request headers a SockJS connection exposes (the same list as the sockjs package).
const EXPOSED_HEADERS = [
  'referer', 'x-client-ip', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-port', 'x-cluster-client-ip', 'via',
  'x-real-ip', 'x-forwarded-proto', 'x-ssl', 'dnt', 'host', 'user-agent', 'accept-language',
] as const;

const OPEN = webSocketTextFrame(OPEN_FRAME);
const HEARTBEAT = webSocketTextFrame(HEARTBEAT_FRAME);

/**
 * Serves SockJS's WebSocket transport (`<prefix>/<server>/<session>/websocket`) with `ws`:
 * messages due to a socket together (one event-loop turn, or the write delay) go out as one
 * `a[...]` frame, and a frame due to many sockets is built once and the same bytes written to
 * each. The framing is
 * SockJS's, byte for byte (`o`, `h`, `a[...]`, `c[code,"reason"]`), so sockjs-client cannot
 * tell. It takes the `upgrade` event for that path only; every other upgrade (the raw
 * `<prefix>/websocket` endpoint included) goes to the listeners that were there before.
 */
export function attachWsTransport(options: WsTransportOptions): void {
  const { httpServer, logger } = options;
  const sessions = new Set<WsSession>();
  const { batcher } = options;
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: options.maxPayload });
  const path = new RegExp(`^${options.pattern ?? escapeRegExp(options.prefix)}/[^/.]+/[^/.]+/websocket/?$`);

  const previous = httpServer.listeners('upgrade') as Array<(req: IncomingMessage, socket: Duplex, head: Buffer) => void>;
  httpServer.removeAllListeners('upgrade');
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const pathname = (req.url ?? '').split('?', 1)[0]!;
    if (req.method !== 'GET' || !path.test(pathname)) {
      for (const listener of previous) listener.call(httpServer, req, socket, head);
      return;
    }
    const remoteAddress = (socket as Socket).remoteAddress ?? '';
    const headers = exposedHeaders(req);
    wss.handleUpgrade(
      req,
      socket,
      head,
      guarded(logger, 'websocket session start', (ws: WebSocket) => {
        const session = new WsSession(ws, socket as Socket, remoteAddress, headers, batcher, logger);
        sessions.add(session);
        session.onGone(() => sessions.delete(session));
        options.onSession(session, pathname);
      }),
    );
  };
  const guardedUpgrade = guarded(logger, 'websocket upgrade', onUpgrade);
  httpServer.on('upgrade', guardedUpgrade);

  const heartbeat =
    options.heartbeatDelay > 0
      ? setInterval(
          guarded(logger, 'websocket heartbeat', () => {
            for (const session of sessions) session.heartbeat();
          }),
          options.heartbeatDelay,
        )
      : undefined;
  heartbeat?.unref();
  httpServer.once('close', () => {
    if (heartbeat) clearInterval(heartbeat);
    httpServer.off('upgrade', guardedUpgrade);
    for (const listener of previous) httpServer.on('upgrade', listener);
    wss.close();
  });
}

/** One SockJS session over WebSocket; the {@link TransportSocket} a Connection writes to. */
export class WsSession implements TransportSocket, FrameSink {
  readonly protocol = 'websocket';
  batch: BatchNode | undefined;
  private listeners: SessionListeners | undefined;
  private goneListeners: Array<() => void> = [];
  private sentSinceHeartbeat = false;
  private awaitingPong = false;
  /** Text bytes waiting in the batch (the batcher keeps it). */
  queuedBytes = 0;
  private closeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Socket,
    readonly remoteAddress: string,
    readonly headers: Record<string, string | string[] | undefined>,
    private readonly batcher: FrameBatcher,
    private readonly logger: Logger,
  ) {
    socket.setNoDelay(true);
    this.writeFrame(OPEN);
    ws.on('message', guarded(logger, 'websocket message', (data: RawData, isBinary: boolean) => this.receive(data, isBinary)));
    ws.on('error', (error: Error) => {
      // A client fault (bad framing, a message over maxPayload): ws has sent the close frame.
      logger.debug('websocket error', { remote: remoteAddress, error: error.message });
      // Past maxPayload, ws would read (and drop) the rest of the message until the client
      // answers the close: cut the socket instead.
      if ((error as NodeJS.ErrnoException).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') ws.terminate();
    });
    ws.on('pong', () => {
      this.awaitingPong = false;
    });
    ws.once('close', () => this.gone());
  }

  /** Attaches the connection glue; messages before this are not expected (the client waits for `o`). */
  listen(listeners: SessionListeners): void {
    this.listeners = listeners;
  }

  /** Queues one message; it leaves with the others due together, in order. */
  write(text: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.batcher.queue(this, text);
  }

  /** Bytes queued for this turn's frame plus what the socket has not flushed yet. */
  bufferedBytes(): number {
    return this.queuedBytes + this.socket.writableLength;
  }

  /** Sends what is queued, then `c[code,"reason"]`, then closes the WebSocket. */
  close(code: number, reason: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.batcher.flush(this);
    this.closeNow(code, reason);
  }

  /**
   * Like {@link close} but drops what is still queued (a client that does not read must not
   * get more); the socket is cut if the close handshake does not finish in time.
   */
  terminate(code: number, reason: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.batch = undefined;
    this.queuedBytes = 0;
    this.closeNow(code, reason);
  }

  private closeNow(code: number, reason: string): void {
    this.writeFrame(webSocketTextFrame(closeFrame(code, reason)));
    this.ws.close(isValidCloseCode(code) ? code : 1000, reason);
    this.closeTimer = setTimeout(() => this.ws.terminate(), TERMINATE_GRACE_MS);
    this.closeTimer.unref();
  }

  /** Writes a batch's frame, built once for every socket due the same messages. */
  flushBatch(batch: BatchNode): void {
    this.writeFrame(batch.frame(WEBSOCKET_FRAMING));
  }

  /** Writes a whole pre-built frame. */
  writeFrame(frame: Buffer): void {
    this.queuedBytes = 0;
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.sentSinceHeartbeat = true;
    // Straight to the socket: with compression off, ws writes only whole frames and only when
    // asked (sends, pongs, close), so frames never interleave.
    this.socket.write(frame);
  }

  /**
   * Once per heartbeat delay: `h` when nothing was sent since the previous one, and a
   * WebSocket ping; a peer that did not answer the previous ping is cut (as sockjs does).
   */
  heartbeat(): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.awaitingPong) {
      this.logger.debug('websocket peer did not answer a heartbeat', { remote: this.remoteAddress });
      this.ws.terminate();
      return;
    }
    this.awaitingPong = true;
    this.ws.ping();
    if (this.sentSinceHeartbeat) this.sentSinceHeartbeat = false;
    else this.socket.write(HEARTBEAT);
  }

  /** Registers a listener for the end of the session (transport bookkeeping). */
  onGone(listener: () => void): void {
    this.goneListeners.push(listener);
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (!this.listeners) return;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    // SockJS has no binary messages: the glue refuses them, whatever they hold.
    if (isBinary) {
      this.listeners.data(bytes);
      return;
    }
    const payload = bytes.toString();
    if (payload.length === 0) return;
    const messages = parseIncoming(payload);
    if (!messages) {
      this.ws.close(3000, 'Broken framing.');
      return;
    }
    for (const message of messages) {
      if (this.ws.readyState !== WebSocket.OPEN) return;
      this.listeners.data(typeof message === 'string' ? message : reencode(message));
    }
  }

  private gone(): void {
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.batch = undefined;
    const listeners = this.listeners;
    this.listeners = undefined;
    for (const listener of this.goneListeners) listener();
    this.goneListeners = [];
    listeners?.close();
  }
}

/**
 * A message that is not a string (a client sent JSON values instead of JSON texts) as text again,
 * so that it is handled like a frame; one too deep to encode (JSON.stringify recurses) stays as it
 * is, and the glue refuses it as not text.
 */
function reencode(message: unknown): unknown {
  try {
    return JSON.stringify(message);
  } catch {
    return message;
  }
}

/** The request headers a SockJS connection exposes, as the sockjs package picks them. */
export function exposedHeaders(req: IncomingMessage): Record<string, string | string[] | undefined> {
  const headers: Record<string, string | string[] | undefined> = {};
  for (const key of EXPOSED_HEADERS) {
    const value = req.headers[key];
    if (value) headers[key] = value;
  }
  return headers;
}

/** Close codes `ws` may send (RFC 6455 section 7.4); SockJS-only codes go in the `c` frame. */
function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}
