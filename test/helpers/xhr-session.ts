import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Frame } from './client.js';

/** What a raw HTTP request answered. */
export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Options of {@link rawRequest}. */
export interface RawRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Sends the body with chunked encoding, without a Content-Length. */
  chunked?: boolean;
  /** Resolves with status 0 instead of rejecting when the server cuts the connection. */
  allowReset?: boolean;
}

/**
 * One HTTP request on its own connection (no keep-alive), with exactly the headers given (plus
 * Host and Content-Length or chunked encoding), for requests `fetch` will not send.
 */
export function rawRequest(url: string, options: RawRequestOptions = {}): Promise<RawAnswer> {
  const target = new URL(url);
  const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (body && !options.chunked) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method: options.method ?? 'POST', headers, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on('error', (error) => (options.allowReset ? resolve({ status: 0, headers: {}, text: error.message }) : reject(error)));
      },
    );
    req.on('error', (error) => (options.allowReset ? resolve({ status: 0, headers: {}, text: error.message }) : reject(error)));
    if (body && options.chunked) {
      // Several writes, so that the server counts chunks as they come.
      for (let at = 0; at < body.length; at += 16 * 1024) req.write(body.subarray(at, at + 16 * 1024));
    } else if (body) {
      req.write(body);
    }
    req.end();
  });
}

/**
 * A SockJS xhr-polling session driven by hand: what sockjs-client does, one request at a time,
 * so a test can send bodies sockjs-client never would.
 */
export class XhrSession {
  readonly frames: Frame[] = [];
  closeFrame: [number, string] | undefined;
  socketId = '';

  private constructor(readonly base: string) {}

  /** Opens a session and reads its `pushy:connect`. */
  static async open(baseUrl: string, prefix = '/pushy/socket'): Promise<XhrSession> {
    const session = new XhrSession(`${baseUrl}${prefix}/000/${randomBytes(8).toString('hex')}`);
    const opened = await rawRequest(`${session.base}/xhr`);
    if (opened.text !== 'o\n') throw new Error(`session did not open: ${opened.status} ${opened.text}`);
    session.socketId = (await session.nextAny((f) => f.event === 'pushy:connect')).data.socketId;
    return session;
  }

  /** POSTs a body to `xhr_send` (or another path of the session). */
  send(body: string | Buffer, options: { path?: string; contentType?: string; chunked?: boolean } = {}): Promise<RawAnswer> {
    const headers: Record<string, string> = {};
    if (options.contentType !== '') headers['content-type'] = options.contentType ?? 'text/plain;charset=UTF-8';
    return rawRequest(`${this.base}/${options.path ?? 'xhr_send'}`, { body, headers, chunked: options.chunked, allowReset: true });
  }

  /** Sends frames as sockjs-client does: one JSON array of JSON texts. */
  sendFrames(...frames: unknown[]): Promise<RawAnswer> {
    return this.send(JSON.stringify(frames.map((f) => (typeof f === 'string' ? f : JSON.stringify(f)))));
  }

  /** First frame (already received or coming) that passes `test`, polling until it comes. */
  async nextAny(test: (f: Frame) => boolean, maxPolls = 50): Promise<Frame> {
    for (let polls = 0; ; polls += 1) {
      const found = this.frames.find(test);
      if (found) return found;
      if (this.closeFrame) throw new Error(`session closed: ${JSON.stringify(this.closeFrame)}`);
      if (polls >= maxPolls) throw new Error(`no such frame after ${maxPolls} polls; got ${JSON.stringify(this.frames.slice(-3)).slice(0, 500)}`);
      await this.poll();
    }
  }

  /** One poll: records the frames or the close it answers (it waits for something to send). */
  async poll(): Promise<void> {
    const answer = await rawRequest(`${this.base}/xhr`);
    const text = answer.text.trimEnd();
    if (text.startsWith('a')) {
      for (const message of JSON.parse(text.slice(1)) as string[]) this.frames.push(JSON.parse(message) as Frame);
    } else if (text.startsWith('c')) {
      this.closeFrame = JSON.parse(text.slice(1)) as [number, string];
    }
  }
}

/** A raw xhr-streaming request whose response socket the test can pause. */
export function openStream(baseUrl: string, path: string): Promise<{ socket: Socket; seen(text: string): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, baseUrl), { method: 'POST' }, (res) => {
      let text = '';
      const waiters: Array<{ text: string; resolve: () => void }> = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        for (const w of waiters.filter((w) => text.includes(w.text))) w.resolve();
      });
      res.on('error', () => {
        // the test destroys the socket at the end
      });
      resolve({
        socket: res.socket,
        seen: (wanted) => (text.includes(wanted) ? Promise.resolve() : new Promise((done) => waiters.push({ text: wanted, resolve: done }))),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
