import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { expect } from 'chai';
import sockjs from 'sockjs';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

const PREFIX = '/pushy/socket';
// The sockjs package's own escaping, to prove the framing is byte for byte the same.
const sockjsUtils = createRequire(import.meta.url)('sockjs/lib/utils.js') as { quote(text: string): string; escape_selected(text: string, chars: string): string };

/** An HTTP exchange as the client sees it: status, headers (without Date), and the body so far. */
interface Exchange {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Sends one request and collects the answer until `until(body)` holds or the response ends. The
 * response may stay open (a stream): `abort()` ends it from the client side.
 */
function exchange(base: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string; until?: (body: string) => boolean } = {}): Promise<Exchange & { abort(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: options.method ?? 'POST', headers: options.headers, agent: false });
    req.on('response', (res) => {
      let body = '';
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        const headers = { ...res.headers };
        delete headers.date;
        resolve({ status: res.statusCode ?? 0, headers, body, abort: () => req.destroy() });
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (options.until?.(body)) finish();
      });
      res.on('end', finish);
      res.on('error', () => undefined);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A receiving request whose body the test reads as it comes. */
class Stream {
  text = '';
  ended = false;
  private readonly req: http.ClientRequest;
  private waiters: Array<{ test: () => boolean; resolve: () => void }> = [];

  constructor(base: string, path: string, method: string) {
    this.req = http.request(`${base}${path}`, { method, agent: false });
    this.req.on('response', (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        this.text += chunk;
        this.check();
      });
      res.on('end', () => {
        this.ended = true;
        this.check();
      });
      res.on('error', () => undefined);
    });
    this.req.on('error', () => undefined);
    this.req.end();
  }

  /** Resolves once the body so far passes `test`. */
  until(test: (stream: Stream) => boolean): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ test: () => test(this), resolve });
      this.check();
    });
  }

  seen(text: string): Promise<void> {
    return this.until((stream) => stream.text.includes(text));
  }

  abort(): void {
    this.req.destroy();
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.test()) return true;
      w.resolve();
      return false;
    });
  }
}

/** Posts one subscribe command to a session. */
async function subscribeOver(base: string, path: string, channel: string): Promise<void> {
  const frame = JSON.stringify([JSON.stringify({ command: 'subscribe', data: { channel } })]);
  expect((await exchange(base, `${path}/xhr_send`, { body: frame, headers: { 'content-type': 'text/plain' } })).status).to.equal(204);
}

/** A plain `sockjs` server with Pushy's prefix and SockJS options, whose sessions say nothing. */
async function plainSockjs(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer();
  const echo = sockjs.createServer({ prefix: PREFIX, log: () => undefined });
  echo.installHandlers(server, { prefix: PREFIX });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let sessions = 0;
const session = (): string => `${PREFIX}/000/http${process.pid}x${(sessions += 1)}`;

describe('e2e: the HTTP transports (xhr-streaming, xhr-polling, eventsource) on the pre-framed path', function () {
  this.timeout(20_000);
  let srv: TestServer;
  let plain: { url: string; close(): Promise<void> };

  before(async () => {
    // No write delay: each event its own frame, so that the 4 KiB stream ends after a few.
    srv = await startServer({ sockjs: { responseLimit: 4096, writeDelay: 0 } });
    plain = await plainSockjs();
  });
  after(async () => {
    await srv?.close();
    await plain?.close();
  });

  describe('open exactly as the sockjs package does: status, headers and bytes', () => {
    const cases: Array<{ name: string; transport: string; method: string; headers: Record<string, string>; opened: (body: string) => boolean }> = [
      { name: 'xhr-streaming', transport: 'xhr_streaming', method: 'POST', headers: {}, opened: (body) => body.endsWith('o\n') },
      { name: 'xhr-streaming, cross-origin', transport: 'xhr_streaming', method: 'POST', headers: { origin: 'https://app.example', 'access-control-request-headers': 'x-a' }, opened: (body) => body.endsWith('o\n') },
      { name: 'xhr-polling', transport: 'xhr', method: 'POST', headers: { origin: 'https://app.example' }, opened: (body) => body === 'o\n' },
      { name: 'eventsource', transport: 'eventsource', method: 'GET', headers: {}, opened: (body) => body.endsWith('data: o\r\n\r\n') },
      { name: 'eventsource, cross-origin', transport: 'eventsource', method: 'GET', headers: { origin: 'https://app.example' }, opened: (body) => body.endsWith('data: o\r\n\r\n') },
      { name: 'eventsource, origin null', transport: 'eventsource', method: 'GET', headers: { origin: 'null' }, opened: (body) => body.endsWith('data: o\r\n\r\n') },
    ];
    for (const { name, transport, method, headers, opened } of cases) {
      it(name, async () => {
        const path = `${session()}/${transport}`;
        const [ours, theirs] = await Promise.all([exchange(srv.url, path, { method, headers, until: opened }), exchange(plain.url, path, { method, headers, until: opened })]);
        ours.abort();
        theirs.abort();
        expect(ours.status).to.equal(200);
        expect({ status: ours.status, headers: ours.headers, body: ours.body }).to.deep.equal({ status: theirs.status, headers: theirs.headers, body: theirs.body });
        // Same header order too (sockjs sets them in this order).
        expect(Object.keys(ours.headers)).to.deep.equal(Object.keys(theirs.headers));
      });
    }
  });

  it('answers a second receiver of a session with c[2010,"Another connection still open"], like sockjs', async () => {
    const path = session();
    const first = await exchange(srv.url, `${path}/xhr_streaming`, { until: (body) => body.includes('pushy:connect') });
    const second = await exchange(srv.url, `${path}/xhr_streaming`);
    expect(second.body.slice(2049)).to.equal('c[2010,"Another connection still open"]\n');
    first.abort();
  });

  it('answers bad xhr_send bodies as sockjs does, and 404 for an unknown session', async () => {
    const path = session();
    const stream = await exchange(srv.url, `${path}/xhr_streaming`, { until: (body) => body.includes('pushy:connect') });
    const send = (body: string, contentType = 'text/plain'): Promise<Exchange> => exchange(srv.url, `${path}/xhr_send`, { body, headers: { 'content-type': contentType } });
    expect(await send('')).to.deep.include({ status: 500, body: 'Payload expected.' });
    expect(await send('[not json')).to.deep.include({ status: 500, body: 'Broken JSON encoding.' });
    expect(await send('{"a":1}')).to.deep.include({ status: 500, body: 'Payload expected.' });
    expect(await send('["x"]', 'application/x-www-form-urlencoded')).to.deep.include({ status: 500, body: 'Payload expected.' });
    // Larger than a client can send at once (a burst of the largest frames): refused by the body
    // guard every SockJS post goes through, not read into memory.
    const tooLarge = await send(JSON.stringify(['x'.repeat(16384 * 100)]));
    expect(tooLarge.status).to.equal(413);
    expect(JSON.parse(tooLarge.body).error).to.include({ code: '413', name: 'BODY_TOO_LARGE' });
    const unknown = await exchange(srv.url, `${session()}/xhr_send`, { body: '["x"]', headers: { 'content-type': 'text/plain' } });
    expect(unknown.status).to.equal(404);
    // The session still works.
    const ok = await send(JSON.stringify([JSON.stringify({ command: 'subscribe', data: { channel: 'after-errors' } })]));
    expect(ok).to.deep.include({ status: 204, body: '' });
    stream.abort();
  });

  it('frames events byte for byte as sockjs would: quoted, and escaped for EventSource', async () => {
    const data = { text: '50% of \u2028 \ud83d\ude00 "q" \\ \n' };
    // The event's frame is sockjs's quote of the native frame text; its EventSource line is
    // sockjs's escape_selected of that frame.
    for (const [transport, method, framed] of [
      ['xhr_streaming', 'POST', (frame: string) => `${frame}\n`],
      ['eventsource', 'GET', (frame: string) => `data: ${sockjsUtils.escape_selected(frame, '\r\n\x00')}\r\n\r\n`],
    ] as const) {
      const path = session();
      const channel = `bytes-${transport}`;
      const stream = new Stream(srv.url, `${path}/${transport}`, method);
      await stream.seen('pushy:connect');
      await subscribeOver(srv.url, path, channel);
      await stream.seen('subscription-success');
      await trigger(srv.url, channel, 'story', data, { secret: srv.secret });
      await stream.seen(framed(`a[${sockjsUtils.quote(JSON.stringify({ event: 'story', channel, data, offset: 1 }))}]`));
      stream.abort();
    }
  });

  it('ends a stream after sockjs.responseLimit bytes; the next receiver goes on with nothing lost', async () => {
    const path = session();
    const first = new Stream(srv.url, `${path}/xhr_streaming`, 'POST');
    await first.seen('pushy:connect');
    await subscribeOver(srv.url, path, 'limit');
    await first.seen('subscription-success');
    // 1 KiB events: the first stream (limit 4096 bytes) ends after a few; the others wait for
    // the next receiver, which gets them all at once.
    const pad = 'p'.repeat(1000);
    for (let n = 0; n < 8; n += 1) await trigger(srv.url, 'limit', 'n', { n, pad }, { secret: srv.secret });
    const numbers = (stream: Stream): number[] => [...stream.text.matchAll(/\\"n\\":(\d+)/g)].map((match) => Number(match[1]));
    await first.until((stream) => stream.ended);
    const second = new Stream(srv.url, `${path}/xhr_streaming`, 'POST');
    await second.until((stream) => numbers(first).length + numbers(stream).length >= 8);
    second.abort();
    expect(numbers(first).length).to.be.within(1, 7);
    expect([...numbers(first), ...numbers(second)]).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('sends h to an idle receiver every heartbeat delay, and ends a session left without one after the disconnect delay', async () => {
    const quick = await startServer({ sockjs: { heartbeatDelay: 100, disconnectDelay: 200 } });
    try {
      const path = session();
      const stream = new Stream(quick.url, `${path}/xhr_streaming`, 'POST');
      await stream.seen('pushy:connect');
      await stream.until((s) => s.text.endsWith('h\n') && s.text.length > 2049 + 2);
      expect(quick.server.sockjs.connections.size).to.equal(1);
      stream.abort();
      // The client went away: its session ends.
      const streamed = [...quick.server.sockjs.connections][0]!;
      await new Promise<void>((resolve) => streamed.onClose(resolve));
      // A poll that is not followed by the next one: the session ends after the disconnect delay.
      const poll = `${session()}/xhr`;
      expect((await exchange(quick.url, poll)).body).to.equal('o\n');
      const polled = [...quick.server.sockjs.connections].find((connection) => connection.protocol === 'xhr-polling')!;
      expect(polled.isOpen).to.equal(true);
      await new Promise<void>((resolve) => polled.onClose(resolve));
    } finally {
      await quick.close();
    }
  });
});
