import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Link } from '../ipc/link.js';
import type { Logger } from '../logger.js';
import type { SessionRouter } from './sticky.js';

/** Largest body of a request handed back to the primary (SockJS posts are a few KiB). */
const MAX_BOUNCED_BODY_BYTES = 1024 * 1024;

/**
 * A worker's check of every request against the sticky rule. The primary routes a connection by
 * its first request; a keep-alive connection may later carry a request of another session (a
 * browser reuses the connection of an `/info` request, or of another tab's session). Such a
 * request goes back to the primary, rebuilt byte for byte with its body, with the socket, and
 * from there to the worker that holds its session. Installed in front of the server's request
 * and upgrade listeners.
 */
export function guardSessions(httpServer: HttpServer, options: { router: SessionRouter; index: number; link: Link; logger: Logger }): void {
  const { router, index, link, logger } = options;
  const elsewhere = (url: string | undefined): boolean => {
    const owner = router.route(url ?? '');
    return owner !== undefined && owner !== index;
  };
  const handBack = (socket: Socket, bytes: Buffer): void => {
    if (!link.connected || socket.destroyed) {
      socket.destroy();
      return;
    }
    // Not the HTTP server's to count: Node's IPC would count it out of the server (which never
    // counted it in: the primary accepted it) and make the server's close wait on the primary.
    (socket as unknown as { server: unknown }).server = null;
    // Once the handle went with the message, the HTTP server forgets the socket here.
    link.send({ kind: 'connection', head: bytes.toString('base64') }, socket, () => socket.destroy());
  };

  const requestListeners = httpServer.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  httpServer.removeAllListeners('request');
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!elsewhere(req.url)) {
      for (const listener of requestListeners) listener.call(httpServer, req, res);
      return;
    }
    void readBody(req).then(
      (body) => handBack(req.socket, Buffer.concat([requestHead(req, body.length), body])),
      (error: unknown) => {
        logger.debug('request for another worker dropped', { error });
        req.socket.destroy();
      },
    );
  });

  const upgradeListeners = httpServer.listeners('upgrade') as Array<(req: IncomingMessage, socket: Duplex, head: Buffer) => void>;
  httpServer.removeAllListeners('upgrade');
  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!elsewhere(req.url)) {
      for (const listener of upgradeListeners) listener.call(httpServer, req, socket, head);
      return;
    }
    handBack(socket as Socket, Buffer.concat([requestHead(req), head]));
  });
}

/**
 * The request line and headers as the client sent them (raw header names and order). With a
 * body read here, its length replaces any chunked framing the client used.
 */
function requestHead(req: IncomingMessage, bodyLength?: number): Buffer {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (bodyLength !== undefined && /^(content-length|transfer-encoding)$/i.test(name)) continue;
    lines.push(`${name}: ${raw[i + 1]}`);
  }
  if (bodyLength !== undefined && (bodyLength > 0 || req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined)) {
    lines.push(`Content-Length: ${bodyLength}`);
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BOUNCED_BODY_BYTES) {
        reject(new Error('request body too large to hand over'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => reject(new Error('request closed before its end')));
  });
}
