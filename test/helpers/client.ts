import SockJS from 'sockjs-client';

/** A server frame as the tests see it. */
export interface Frame {
  event: string;
  channel?: string;
  data?: any;
  /** Channel events: position in the channel's history. */
  offset?: number;
  /** Client events on presence channels: the sender's member id. */
  memberId?: string;
}

/** Transports that sockjs-client supports in Node. */
export const NODE_TRANSPORTS = ['websocket', 'xhr-streaming', 'xhr-polling'] as const;
export type NodeTransport = (typeof NODE_TRANSPORTS)[number];

/**
 * A real sockjs-client connection that records every frame, so a test can wait for the
 * frame it expects (never by sleeping) and check what else arrived.
 */
export class TestClient {
  readonly frames: Frame[] = [];
  /** Each frame's text exactly as received, index for index with `frames`. */
  readonly texts: string[] = [];
  socketId = '';
  protocol = '';
  closed = false;
  closeEvent: { code: number; reason: string } | undefined;
  private readonly sock: InstanceType<typeof SockJS>;
  private waiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void; from: number }> = [];
  private closeWaiters: Array<() => void> = [];

  private constructor(url: string, transport: NodeTransport | undefined, prefix: string) {
    this.sock = new SockJS(url + prefix, undefined, transport ? { transports: [transport] } : undefined);
    this.sock.onmessage = (message: { data: string }) => {
      const frame = JSON.parse(message.data) as Frame;
      this.texts.push(message.data);
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(frame)) return true;
        w.resolve(frame);
        return false;
      });
    };
    this.sock.onclose = (event: { code: number; reason: string }) => {
      this.closed = true;
      this.closeEvent = { code: event.code, reason: event.reason };
      for (const resolve of this.closeWaiters) resolve();
      this.closeWaiters = [];
    };
  }

  /** Connects and waits for `pushy:connect`. */
  static async connect(url: string, transport?: NodeTransport, prefix = '/pushy/socket'): Promise<TestClient> {
    const client = new TestClient(url, transport, prefix);
    const connect = await client.next('pushy:connect');
    client.socketId = connect.data.socketId;
    client.protocol = connect.data.protocol;
    return client;
  }

  /** Sends a raw text frame. */
  sendRaw(text: string): void {
    this.sock.send(text);
  }

  /** Sends a command frame. */
  command(command: string, data?: unknown, id?: string | number): void {
    const frame: Record<string, unknown> = { command };
    if (data !== undefined) frame.data = data;
    if (id !== undefined) frame.id = id;
    this.sendRaw(JSON.stringify(frame));
  }

  /**
   * Resolves with the first frame (already received or coming) that has this event name and
   * passes `match`. Frames received before `since` (an index into `frames`) are ignored.
   */
  next(event: string, match: (f: Frame) => boolean = () => true, timeoutMs = 8000, since = 0): Promise<Frame> {
    const test = (f: Frame): boolean => f.event === event && match(f);
    const found = this.frames.slice(since).find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`timed out waiting for ${event}; got ${JSON.stringify(this.frames.slice(-5))}`));
      }, timeoutMs);
      const done = (f: Frame): void => {
        clearTimeout(timer);
        resolve(f);
      };
      this.waiters.push({ match: test, resolve: done, from: since });
    });
  }

  /** Sends a command and waits for the frame with the given event that follows it. */
  async request(command: string, data: unknown, event: string, match: (f: Frame) => boolean = () => true): Promise<Frame> {
    const since = this.frames.length;
    this.command(command, data);
    return this.next(event, match, 8000, since);
  }

  /** Subscribes and waits for the outcome (success, needauth or failed) for that channel. */
  async subscribe(channel: string, extra: Record<string, unknown> = {}): Promise<Frame> {
    const since = this.frames.length;
    this.command('subscribe', { channel, ...extra });
    const lower = channel.toLowerCase();
    const outcome = (f: Frame): boolean =>
      ['pushy:subscription-success', 'pushy:subscription-needauth', 'pushy:subscription-failed', 'pushy:error'].includes(f.event) &&
      (f.event === 'pushy:error' || f.data?.channel === lower);
    return this.nextAny(outcome, since);
  }

  /** First frame (from `since`) that passes `match`. */
  nextAny(match: (f: Frame) => boolean, since = 0, timeoutMs = 8000): Promise<Frame> {
    const found = this.frames.slice(since).find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(this.frames.slice(-5))}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        from: since,
      });
    });
  }

  /** The text of a frame as it arrived. */
  textOf(frame: Frame): string {
    return this.texts[this.frames.indexOf(frame)]!;
  }

  /** Frames with this event (and optionally channel). */
  events(event: string, channel?: string): Frame[] {
    return this.frames.filter((f) => f.event === event && (channel === undefined || f.channel === channel));
  }

  /** Closes and waits for the close. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.closeWaiters.push(resolve);
      this.sock.close();
    });
  }

  /** Waits until the server closes the socket. */
  waitClosed(timeoutMs = 8000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('socket did not close')), timeoutMs);
      this.closeWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
