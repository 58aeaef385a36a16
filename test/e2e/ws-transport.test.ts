import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import WebSocket from 'ws';
import { TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

/** A raw WebSocket speaking SockJS framing, to check the bytes the server sends. */
class RawSockjs {
  readonly messages: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<{ match: (m: string) => boolean; resolve: (m: string) => void }> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString();
      this.messages.push(text);
      this.waiters = this.waiters.filter((w) => (w.match(text) ? (w.resolve(text), false) : true));
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async open(url: string, path = `/pushy/socket/000/${randomBytes(6).toString('hex')}/websocket`): Promise<RawSockjs> {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + path);
    const client = new RawSockjs(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return client;
  }

  /** First message (received or coming) that passes `match`. */
  next(match: (m: string) => boolean, timeoutMs = 5000): Promise<string> {
    const found = this.messages.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(this.messages.slice(-5))}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Every Pushy frame received so far, decoded from the a[...] frames. */
  frames(): Array<{ event: string; channel?: string; data?: any }> {
    return this.messages.filter((m) => m[0] === 'a').flatMap((m) => (JSON.parse(m.slice(1)) as string[]).map((t) => JSON.parse(t)));
  }

  async nextFrame(event: string): Promise<{ event: string; channel?: string; data?: any }> {
    await this.next((m) => m[0] === 'a' && (JSON.parse(m.slice(1)) as string[]).some((t) => JSON.parse(t).event === event));
    return this.frames().find((f) => f.event === event)!;
  }

  send(text: string): void {
    this.ws.send(text);
  }
}

const subscribeFrame = (channel: string): string => JSON.stringify({ command: 'subscribe', data: { channel } });

describe('e2e: SockJS WebSocket transport served by ws', () => {
  let srv: TestServer;
  const opened: RawSockjs[] = [];
  const open = async (path?: string): Promise<RawSockjs> => {
    const client = await RawSockjs.open(srv.url, path);
    opened.push(client);
    return client;
  };
  before(async () => {
    srv = await startServer({ sockjs: { heartbeatDelay: 200 } });
  });
  afterEach(() => {
    for (const client of opened.splice(0)) client.ws.terminate();
  });
  after(async () => {
    await srv.close();
  });

  it('opens with "o", then a["..."] carrying pushy:connect', async () => {
    const client = await open();
    const connect = await client.nextFrame('pushy:connect');
    expect(client.messages[0]).to.equal('o');
    expect(client.messages[1]).to.match(/^a\["\{\\"event\\":\\"pushy:connect\\"/);
    expect(connect.data).to.include({ protocol: 'websocket', version: 2 });
  });

  it('coalesces the events of one turn into one a[...] frame, in order', async () => {
    const client = await open();
    client.send(JSON.stringify([subscribeFrame('batch')]));
    await client.nextFrame('pushy:subscription-success');
    const before = client.messages.length;
    await Promise.all([1, 2, 3].map((n) => srv.server.channels.publish({ type: 'event', channel: 'batch', event: 'tick', data: { n } })));
    const frame = await client.next((m) => m.includes('tick'));
    expect(client.messages.length).to.equal(before + 1);
    expect((JSON.parse(frame.slice(1)) as string[]).map((t) => JSON.parse(t).data.n)).to.deep.equal([1, 2, 3]);
  });

  it('accepts a JSON array of several messages and a single JSON string, in order', async () => {
    const client = await open();
    client.send(JSON.stringify([subscribeFrame('first'), subscribeFrame('second')]));
    client.send(JSON.stringify(subscribeFrame('third')));
    await client.next((m) => m.includes('third'));
    const successes = client.frames().filter((f) => f.event === 'pushy:subscription-success').map((f) => f.data.channel);
    expect(successes).to.deep.equal(['first', 'second', 'third']);
  });

  it('answers a non-string message with a bogus-frame error and keeps the session', async () => {
    const client = await open();
    client.send('[1]');
    const error = await client.nextFrame('pushy:error');
    expect(error.data.code).to.equal('100');
    client.send(JSON.stringify([subscribeFrame('still-open')]));
    await client.nextFrame('pushy:subscription-success');
  });

  it('refuses a binary frame with a bogus-frame error and keeps the session', async () => {
    const client = await open();
    await client.nextFrame('pushy:connect');
    client.ws.send(Buffer.from(JSON.stringify([subscribeFrame('binary')])), { binary: true });
    const error = await client.nextFrame('pushy:error');
    expect(error.data).to.deep.equal({ code: '100', name: 'BOGUS_FRAME', message: 'Bogus frame: binary frames are not supported' });
    client.send(JSON.stringify([subscribeFrame('text-after-binary')]));
    await client.nextFrame('pushy:subscription-success');
  });

  it('closes a session that sends text that is not JSON, like sockjs ("Broken framing.")', async () => {
    const client = await open();
    await client.nextFrame('pushy:connect');
    client.send('[not json');
    expect(await client.closed).to.deep.equal({ code: 3000, reason: 'Broken framing.' });
  });

  it('sends "h" on an idle session every heartbeat delay', async () => {
    const client = await open();
    await client.next((m) => m === 'h');
  });

  it('leaves the raw <prefix>/websocket endpoint to sockjs', async () => {
    const client = await open('/pushy/socket/websocket');
    const connect = await client.next((m) => m.startsWith('{'));
    expect(JSON.parse(connect)).to.include({ event: 'pushy:connect' });
    expect(JSON.parse(connect).data.protocol).to.equal('websocket-raw');
  });

  it('delivers to sockjs-client over websocket exactly what the other transports deliver', async () => {
    const a = await TestClient.connect(srv.url, 'websocket');
    const b = await TestClient.connect(srv.url, 'xhr-streaming');
    await a.subscribe('same');
    await b.subscribe('same');
    const data = { text: 'line\u2028separator, "quotes", \ud83d\ude00', n: [1, 2] };
    await trigger(srv.url, 'same', 'story', data, { secret: srv.secret });
    expect(await a.next('story')).to.deep.equal(await b.next('story'));
    expect((await a.next('story')).data).to.deep.equal(data);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('e2e: WebSocket transport shutdown', () => {
  it('sends c[1001,"Server shutting down"] and sockjs-client reports that code', async () => {
    const srv = await startServer();
    const raw = await RawSockjs.open(srv.url);
    await raw.nextFrame('pushy:connect');
    const client = await TestClient.connect(srv.url, 'websocket');
    await srv.close();
    await raw.closed;
    expect(raw.messages.at(-1)).to.equal('c[1001,"Server shutting down"]');
    await client.waitClosed();
    expect(client.closeEvent).to.deep.equal({ code: 1001, reason: 'Server shutting down' });
  });
});

describe('e2e: WebSocket transport heartbeats', () => {
  it('closes a session whose peer does not answer pings, and cleans up its subscriptions', async () => {
    const srv = await startServer({ sockjs: { heartbeatDelay: 100 } });
    try {
      const ws = new WebSocket(`${srv.url.replace(/^http/, 'ws')}/pushy/socket/000/${randomBytes(6).toString('hex')}/websocket`, { autoPong: false });
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      await new Promise((resolve) => ws.once('open', resolve));
      const subscribed = new Promise<void>((resolve) => ws.on('message', (data) => data.toString().includes('subscription-success') && resolve()));
      ws.send(JSON.stringify([subscribeFrame('silent')]));
      await subscribed;
      expect(srv.server.channels.localSubscriberCount('silent')).to.equal(1);
      await closed;
      // Cleanup runs in the connection's frame chain (memory broker: microtasks only); one
      // event-loop turn lets it finish.
      await new Promise((resolve) => setImmediate(resolve));
      expect(srv.server.sockjs.connections.size).to.equal(0);
      expect(srv.server.channels.localSubscriberCount('silent')).to.equal(0);
    } finally {
      await srv.close();
    }
  });
});
