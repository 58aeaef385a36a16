import type { Socket } from 'node:net';
import type { ServerResponse } from 'node:http';
import type sockjs from 'sockjs';
import type { TransportSocket } from './transport-socket.js';
import { TERMINATE_GRACE_MS } from './terminate-grace.js';

/**
 * The parts of `sockjs` 0.3's session objects that measure unflushed output. They are not public
 * API: `test/e2e/slow-consumer.test.ts` keeps this honest for every transport.
 */
interface SockjsReceiver {
  /** The socket of a WebSocket receiver (raw and framed). */
  connection?: Socket | null;
  /** The pending HTTP response of a streaming or polling receiver. */
  response?: ServerResponse | null;
}
interface SockjsSession {
  /** Messages waiting for the next poll (framed sessions only). */
  send_buffer?: string[];
  recv?: SockjsReceiver | null;
}

/** Adapts a `sockjs` connection to the {@link TransportSocket} a Connection uses. */
export function adaptSockjsConnection(conn: sockjs.Connection): TransportSocket {
  const session = (conn as unknown as { _session?: SockjsSession })._session;
  const rawWebsocket = conn.protocol === 'websocket-raw';
  // Running total of `send_buffer`, kept per array: sockjs swaps in a fresh array when it
  // flushes, so the sum restarts then and otherwise only the new tail is added.
  let counted: string[] | undefined;
  let countedItems = 0;
  let countedBytes = 0;

  const pendingMessages = (): number => {
    const buffer = session?.send_buffer;
    if (!buffer || buffer.length === 0) return 0;
    if (buffer !== counted || buffer.length < countedItems) {
      counted = buffer;
      countedItems = 0;
      countedBytes = 0;
    }
    for (; countedItems < buffer.length; countedItems += 1) countedBytes += buffer[countedItems]!.length;
    return countedBytes;
  };

  const currentSocket = (): Socket | undefined => {
    const recv = session?.recv;
    return recv?.connection ?? recv?.response?.socket ?? undefined;
  };

  const close = (code: number, reason: string): void => {
    // faye-websocket refuses codes other than 1000 and 3000-4999 by throwing; a raw WebSocket
    // client gets 1000 with the reason instead of a connection that never closes.
    const valid = code === 1000 || (code >= 3000 && code <= 4999);
    // A number, whatever @types/sockjs says: sockjs writes it into the close frame as given.
    const sendCode = rawWebsocket && !valid ? 1000 : code;
    const closeWith = conn.close.bind(conn) as unknown as (code: number, reason: string) => boolean;
    // Never from inside the current call stack: it may be sockjs looping over a batch of
    // client messages, which fails on a session closed under its feet (and takes the process).
    queueMicrotask(() => closeWith(sendCode, reason));
  };

  return {
    protocol: conn.protocol,
    remoteAddress: conn.remoteAddress,
    headers: conn.headers,
    write: (text) => {
      conn.write(text);
    },
    close,
    bufferedBytes: () => {
      const response = session?.recv?.response;
      const unflushed = response ? response.writableLength : (currentSocket()?.writableLength ?? 0);
      return pendingMessages() + unflushed;
    },
    terminate: (code, reason) => {
      const socket = currentSocket();
      close(code, reason);
      if (!socket || socket.destroyed) return;
      const timer = setTimeout(() => socket.destroy(), TERMINATE_GRACE_MS);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
    },
  };
}
