import WebSocket from 'ws';

/** A frame the Pusher endpoint sent, parsed once (its `data` as sent: a string or an object). */
export interface PusherWireFrame {
  event: string;
  channel?: string;
  data?: unknown;
  user_id?: string;
}

/** A raw `ws` client of `/app/<key>`, for what pusher-js will not do (bad frames, floods, wrong versions). */
export class RawPusherClient {
  readonly frames: PusherWireFrame[] = [];
  closeEvent: { code: number; reason: string } | undefined;
  private waiters: Array<{ match: (frame: PusherWireFrame) => boolean; resolve: (frame: PusherWireFrame) => void }> = [];
  private readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => {
      const frame = JSON.parse(data.toString()) as PusherWireFrame;
      const waiter = this.waiters.find((candidate) => candidate.match(frame));
      if (!waiter) {
        this.frames.push(frame);
        return;
      }
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(frame);
    });
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      ws.on('close', (code: number, reason: Buffer) => {
        this.closeEvent = { code, reason: reason.toString() };
        resolve(this.closeEvent);
      }),
    );
  }

  /** Opens `/app/<key>?<query>` (default `protocol=7`). */
  static open(baseUrl: string, key: string, query = 'protocol=7&client=js&version=8.4.0'): RawPusherClient {
    return new RawPusherClient(new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/app/${key}?${query}`));
  }

  /** Opens and waits for the handshake; resolves with the socket id. */
  static async connect(baseUrl: string, key: string): Promise<{ client: RawPusherClient; socketId: string }> {
    const client = RawPusherClient.open(baseUrl, key);
    const established = await client.next('pusher:connection_established');
    return { client, socketId: (JSON.parse(established.data as string) as { socket_id: string }).socket_id };
  }

  /** The next frame (or one already received) with this event, and optionally this channel. */
  next(event: string, channel?: string): Promise<PusherWireFrame> {
    const match = (frame: PusherWireFrame): boolean => frame.event === event && (channel === undefined || frame.channel === channel);
    const seen = this.frames.find(match);
    if (seen) {
      this.frames.splice(this.frames.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Resolves with the close code and reason. */
  whenClosed(): Promise<{ code: number; reason: string }> {
    return this.closed;
  }

  close(): void {
    this.ws.close();
  }
}
