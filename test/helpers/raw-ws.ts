import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import type { Frame } from './client.js';

/** `raw`: the SockJS raw WebSocket endpoint (one JSON text per message); `framed`: SockJS framing. */
export type RawMode = 'raw' | 'framed';

/**
 * A WebSocket client built on `ws`, cheap enough for thousands of connections and able to do
 * what sockjs-client will not: stop reading, send many frames in one message, drop abruptly.
 */
export class RawWsClient {
  readonly frames: Frame[] = [];
  socketId = '';
  closeEvent: { code: number; reason: string } | undefined;
  private waiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];
  private closeWaiters: Array<() => void> = [];

  private constructor(
    readonly ws: WebSocket,
    readonly mode: RawMode,
  ) {
    ws.on('message', (data: WebSocket.RawData) => this.receive(data.toString()));
    ws.on('close', (code: number, reason: Buffer) => {
      this.closeEvent ??= { code, reason: reason.toString() };
      for (const resolve of this.closeWaiters) resolve();
      this.closeWaiters = [];
    });
    ws.on('error', () => {
      // An abrupt end surfaces as 'close' too; that is what the tests wait for.
    });
  }

  /**
   * Opens a connection and waits for `pushy:connect`. `session` (framed mode): the
   * `<server>/<session>` part of the path, random by default.
   */
  static async connect(baseUrl: string, mode: RawMode = 'raw', options: WebSocket.ClientOptions = {}, prefix = '/pushy/socket', session?: string): Promise<RawWsClient> {
    const client = RawWsClient.open(baseUrl, mode, options, prefix, session);
    const connect = await client.next('pushy:connect', undefined, 15_000);
    client.socketId = connect.data.socketId;
    return client;
  }

  /** Opens a connection without waiting for anything. */
  static open(baseUrl: string, mode: RawMode = 'raw', options: WebSocket.ClientOptions = {}, prefix = '/pushy/socket', session?: string): RawWsClient {
    const wsBase = baseUrl.replace(/^http/, 'ws');
    const path = mode === 'raw' ? '/websocket' : `/${session ?? `${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}/${randomBytes(8).toString('hex')}`}/websocket`;
    return new RawWsClient(new WebSocket(wsBase + prefix + path, options), mode);
  }

  /** Sends frames as they are (strings) or JSON-encoded; in framed mode all in one message. */
  send(...frames: unknown[]): void {
    const texts = frames.map((f) => (typeof f === 'string' ? f : JSON.stringify(f)));
    if (this.mode === 'framed') {
      this.ws.send(JSON.stringify(texts));
      return;
    }
    for (const text of texts) this.ws.send(text);
  }

  /** First frame (already received or coming) with this event that passes `match`. */
  next(event: string, match: (f: Frame) => boolean = () => true, timeoutMs = 8000): Promise<Frame> {
    return this.nextAny((f) => f.event === event && match(f), timeoutMs, event);
  }

  /** First frame (already received or coming) that passes `test`. */
  nextAny(test: (f: Frame) => boolean, timeoutMs = 8000, what = 'a frame'): Promise<Frame> {
    const found = this.frames.find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames.slice(-3)).slice(0, 500)}`));
      }, timeoutMs);
      const done = (f: Frame): void => {
        clearTimeout(timer);
        resolve(f);
      };
      this.waiters.push({ match: test, resolve: done });
    });
  }

  /** Frames with this event. */
  events(event: string): Frame[] {
    return this.frames.filter((f) => f.event === event);
  }

  /** Waits for the close (from either side). */
  closed(timeoutMs = 8000): Promise<{ code: number; reason: string }> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === WebSocket.CLOSED) {
        resolve(this.closeEvent ?? { code: 1006, reason: '' });
        return;
      }
      const timer = setTimeout(() => reject(new Error('socket did not close')), timeoutMs);
      this.closeWaiters.push(() => {
        clearTimeout(timer);
        resolve(this.closeEvent ?? { code: 1006, reason: '' });
      });
    });
  }

  /** Closes cleanly and waits. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const done = this.closed();
    this.ws.close();
    await done;
  }

  /** Drops the TCP connection without a close handshake and waits. */
  async terminate(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const done = this.closed();
    this.ws.terminate();
    await done;
  }

  private receive(text: string): void {
    if (this.mode === 'raw') {
      this.deliver(JSON.parse(text) as Frame);
      return;
    }
    // SockJS framing: o (open), h (heartbeat), a[...] (messages), c[code, reason] (close).
    if (text[0] === 'a') {
      for (const message of JSON.parse(text.slice(1)) as string[]) this.deliver(JSON.parse(message) as Frame);
    } else if (text[0] === 'c') {
      const [code, reason] = JSON.parse(text.slice(1)) as [number, string];
      this.closeEvent = { code, reason };
    }
  }

  private deliver(frame: Frame): void {
    this.frames.push(frame);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(frame)) return true;
      w.resolve(frame);
      return false;
    });
  }
}
