import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import querystring from 'node:querystring';
import type { Logger } from '../../logger.js';
import type { FrameBatcher } from '../../transport/frame-batcher.js';
import { guarded } from './guarded.js';
import { HttpSession, Receiver } from './http-session.js';
import { EVENTSOURCE_FRAMING, XHR_FRAMING } from './sockjs-framing.js';
import { exposedHeaders } from './ws-transport.js';

/** What the HTTP transports need. */
export interface HttpTransportOptions {
  httpServer: HttpServer;
  /** SockJS prefix as a regular expression source (the default app's and the apps' endpoints). */
  pattern: string;
  /** Milliseconds between `h` frames on an idle receiver (0: none). */
  heartbeatDelay: number;
  /** Milliseconds a session lives without a receiver. */
  disconnectDelay: number;
  /** Bytes a streaming response carries before the client opens the next one. */
  responseLimit: number;
  batcher: FrameBatcher;
  logger: Logger;
  /** Called once per session, when it opens, with the path it was opened at. */
  onSession(session: HttpSession, path: string): void;
}

/** The prelude of an xhr-streaming response: old browsers show nothing before 2 KiB. */
const XHR_STREAMING_PRELUDE = Buffer.from(`${'h'.repeat(2048)}\n`);
const NO_CACHE = 'no-store, no-cache, no-transform, must-revalidate, max-age=0';
// The content types sockjs takes an xhr_send body in (anything else: "Payload expected.").
const SEND_CONTENT_TYPES = new Set(['text/plain', 'T', 'application/json', 'application/xml', '', 'text/xml']);

/**
 * Serves SockJS's xhr-streaming, xhr-polling and eventsource transports (and the `xhr_send` and
 * `jsonp_send` posts of their sessions) on the fan-out path the WebSocket transport uses: pre-framed bytes,
 * built once per batch per transport, written to every session due them. Byte for byte what
 * the `sockjs` package sends (headers, prelude, framing, `c[2010,...]` for a second receiver),
 * so sockjs-client cannot tell. Every other SockJS request (info, iframe, htmlfile, jsonp, OPTIONS,
 * the xhr_send of a session this does not hold) goes on to the listeners that were there before.
 * Bodies are bounded in front of this (`sockjs-bodies.ts`), as for every SockJS post.
 */
export function attachHttpTransports(options: HttpTransportOptions): void {
  const { httpServer, batcher, logger } = options;
  const sessions = new Map<string, HttpSession>();
  const path = new RegExp(`^${options.pattern}/[^/.]+/([^/.]+)/(xhr|xhr_streaming|xhr_send|jsonp_send|eventsource)/?$`);

  const session = (req: IncomingMessage, id: string): HttpSession => {
    let found = sessions.get(id);
    if (!found) {
      found = new HttpSession(id, req.socket.remoteAddress ?? '', exposedHeaders(req), {
        batcher,
        disconnectDelay: options.disconnectDelay,
        onGone: (gone) => {
          if (sessions.get(gone.id) === gone) sessions.delete(gone.id);
        },
      });
      sessions.set(id, found);
    }
    return found;
  };

  const receive = (req: IncomingMessage, res: ServerResponse, id: string, transport: string, pathname: string): void => {
    res.setHeader('Cache-Control', NO_CACHE);
    let receiver: Receiver;
    if (transport === 'eventsource') {
      // sockjs's header order for this one: credentials, type, then the origin.
      const origin = req.headers.origin;
      if (origin && origin !== 'null') res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Content-Type', 'text/event-stream');
      allowOrigin(req, res, origin === 'null');
      res.writeHead(200);
      res.write('\r\n');
      receiver = new Receiver('eventsource', EVENTSOURCE_FRAMING, res, options.responseLimit);
    } else {
      allowOrigin(req, res, false);
      res.setHeader('Content-Type', 'application/javascript; charset=UTF-8');
      res.writeHead(200);
      if (transport === 'xhr_streaming') res.write(XHR_STREAMING_PRELUDE);
      receiver = transport === 'xhr' ? new Receiver('xhr-polling', XHR_FRAMING, res, 1) : new Receiver('xhr-streaming', XHR_FRAMING, res, options.responseLimit);
    }
    // As sockjs: TCP keep-alive probes on a response that may stay open for long.
    req.socket.setKeepAlive(true, 5000);
    const target = session(req, id);
    if (target.attach(receiver)) options.onSession(target, pathname);
  };

  const send = (req: IncomingMessage, res: ServerResponse, target: HttpSession): void => {
    res.setHeader('Cache-Control', NO_CACHE);
    allowOrigin(req, res, false);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!;
      if (!SEND_CONTENT_TYPES.has(type)) {
        // A client fault: a debug line, as for the bodies sockjs refuses itself.
        logger.debug(`sockjs: Unsupported content-type ${req.headers['content-type']}`);
        return fail(res, 500, 'Payload expected.');
      }
      const messages = parseMessages(Buffer.concat(chunks).toString('utf8'));
      if (typeof messages === 'string') {
        logger.debug(`sockjs: xhr_send refused: ${messages}`);
        return fail(res, 500, messages);
      }
      target.receive(messages);
      res.setHeader('Content-Type', 'text/plain; charset=UTF-8');
      res.writeHead(204);
      res.end();
    });
  };

  // jsonp_send, for a session of these transports (sockjs allows any sender with any receiver).
  const sendForm = (req: IncomingMessage, res: ServerResponse, target: HttpSession): void => {
    res.setHeader('Cache-Control', NO_CACHE);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const type = (req.headers['content-type'] ?? '').split(';')[0]!;
      let payload: unknown;
      if (type === 'application/x-www-form-urlencoded') payload = querystring.parse(text).d;
      else if (type === 'text/plain' || type === '') payload = text;
      else logger.debug(`sockjs: Unsupported content-type ${req.headers['content-type']}`);
      // A repeated `d` is a list already, as sockjs reads it.
      const messages = Array.isArray(payload) ? payload : typeof payload === 'string' && payload !== '' ? parseMessages(payload) : 'Payload expected.';
      if (typeof messages === 'string') {
        logger.debug(`sockjs: jsonp_send refused: ${messages}`);
        return fail(res, 500, messages);
      }
      target.receive(messages);
      res.setHeader('Content-Length', '2');
      res.setHeader('Content-Type', 'text/plain; charset=UTF-8');
      res.writeHead(200);
      res.end('ok');
    });
  };

  const previous = httpServer.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  httpServer.removeAllListeners('request');
  httpServer.on(
    'request',
    guarded(logger, 'SockJS HTTP transport', (req: IncomingMessage, res: ServerResponse) => {
      const pathname = (req.url ?? '').split('?', 1)[0]!;
      const match = path.exec(pathname);
      const method = req.method;
      if (match) {
        const [, id, transport] = match as unknown as [string, string, string];
        if (transport === 'xhr_send' || transport === 'jsonp_send') {
          const target = method === 'POST' ? sessions.get(id) : undefined;
          // Not one of these sessions: sockjs knows it (htmlfile, jsonp), or answers 404.
          if (target) return transport === 'xhr_send' ? send(req, res, target) : sendForm(req, res, target);
        } else if (method === (transport === 'eventsource' ? 'GET' : 'POST')) {
          return receive(req, res, id, transport, pathname);
        }
      }
      for (const listener of previous) listener.call(httpServer, req, res);
    }),
  );

  const heartbeat =
    options.heartbeatDelay > 0
      ? setInterval(() => {
          for (const open of sessions.values()) open.heartbeat();
        }, options.heartbeatDelay)
      : undefined;
  heartbeat?.unref();
  httpServer.once('close', () => {
    if (heartbeat) clearInterval(heartbeat);
  });
}

/** CORS as sockjs answers it: the caller's origin with credentials, or `*` without one. */
function allowOrigin(req: IncomingMessage, res: ServerResponse, nullOrigin: boolean): void {
  const origin = req.headers.origin;
  if (!origin || nullOrigin) {
    res.setHeader('Access-Control-Allow-Origin', '*');
  } else {
    // Set already for eventsource (its order differs); setting it again keeps its place.
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Access-Control-Allow-Origin', origin);
  }
  res.setHeader('Vary', 'Origin');
  const headers = req.headers['access-control-request-headers'];
  if (headers) res.setHeader('Access-Control-Allow-Headers', headers);
}

/** The messages of a send body (a JSON array), or why it is refused, in sockjs's words. */
function parseMessages(text: string): unknown[] | string {
  if (text === '') return 'Payload expected.';
  let messages: unknown;
  try {
    messages = JSON.parse(text);
  } catch {
    return 'Broken JSON encoding.';
  }
  return Array.isArray(messages) ? messages : 'Payload expected.';
}

/** An error answer as sockjs gives one: the status and a short text. */
function fail(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, {});
  res.end(message);
}
