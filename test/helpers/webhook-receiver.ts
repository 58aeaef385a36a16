import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a {@link WebhookReceiver} got. */
export interface ReceivedWebhook {
  method: string;
  path: string;
  /** As Node gives them: lower-case names (what `pusher.webhook()` expects). */
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  body: { time_ms: number; events: Array<Record<string, unknown>> } | undefined;
  /** The status it was answered with (undefined: left hanging). */
  status: number | undefined;
}

/** How the receiver answers a request: a status, or `'hang'` (never answer). */
export type Answer = number | 'hang';

/**
 * A real webhook receiver for tests: a `node:http` server on a free loopback port that records
 * every request and answers with the statuses it is told (200 by default).
 */
export class WebhookReceiver {
  readonly requests: ReceivedWebhook[] = [];
  private answers: Answer[] = [];
  private fallback: Answer = 200;
  private waiters: Array<{ match: (all: ReceivedWebhook[]) => boolean; resolve: () => void }> = [];
  private readonly hanging = new Map<http.ServerResponse, ReceivedWebhook>();

  private constructor(private readonly server: http.Server) {}

  /** Starts a receiver on a free port. */
  static async start(): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = http.createServer((request, response) => receiver!.handle(request, response));
    receiver = new WebhookReceiver(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** `http://127.0.0.1:<port><path>` */
  url(path = '/webhook'): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  /** Answers the next requests with these, in order, then with `then` (default: as before). */
  answer(answers: Answer[], then?: Answer): void {
    this.answers = [...answers];
    if (then !== undefined) this.fallback = then;
  }

  /** Every event received so far, over all requests answered 2xx, with the path they came to. */
  delivered(path?: string): Array<Record<string, unknown>> {
    return this.requests
      .filter((r) => r.status !== undefined && r.status >= 200 && r.status < 300 && (path === undefined || r.path === path))
      .flatMap((r) => r.body?.events ?? []);
  }

  /** Resolves once `match` holds for the requests received so far (checked on every request). */
  waitFor(match: (all: ReceivedWebhook[]) => boolean, timeoutMs = 10_000, what = 'webhook requests'): Promise<void> {
    if (match(this.requests)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.requests.map((r) => ({ path: r.path, status: r.status, events: r.body?.events })))}`));
      }, timeoutMs);
      const waiter = {
        match,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Resolves once `count` events were delivered (answered 2xx), to `path` if given. */
  waitForEvents(count: number, path?: string, timeoutMs?: number): Promise<void> {
    return this.waitFor(() => this.delivered(path).length >= count, timeoutMs, `${count} delivered events${path ? ` at ${path}` : ''}`);
  }

  /** Answers the requests left hanging so far with `status`. */
  answerHanging(status: number): void {
    for (const [response, received] of this.hanging) {
      received.status = status;
      response.writeHead(status, { 'content-type': 'text/plain' }).end();
    }
    this.hanging.clear();
    this.notify();
  }

  /** Stops the server, dropping hanging and kept-alive connections. */
  async close(): Promise<void> {
    for (const response of this.hanging.keys()) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: ReceivedWebhook['body'];
      try {
        body = JSON.parse(rawBody) as ReceivedWebhook['body'];
      } catch {
        body = undefined;
      }
      const answer = this.answers.length > 0 ? this.answers.shift()! : this.fallback;
      const received: ReceivedWebhook = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, rawBody, body, status: undefined };
      if (answer === 'hang') {
        this.hanging.set(response, received);
      } else {
        received.status = answer;
        response.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'no');
      }
      this.requests.push(received);
      this.notify();
    });
  }

  private notify(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(this.requests)) return true;
      w.resolve();
      return false;
    });
  }
}
