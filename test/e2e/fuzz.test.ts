import http from 'node:http';
import { expect } from 'chai';
import fc from 'fast-check';
import { ERRORS } from '../../lib/errors.js';
import { EVENTS } from '../../lib/native/protocol.js';
import { signChannel, signTrigger } from '../../lib/signing.js';
import { TestClient, type Frame } from '../helpers/client.js';
import { RawWsClient } from '../helpers/raw-ws.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

const FRAME_RUNS = 5000;
const HTTP_RUNS = 3000;
const KNOWN_CODES = new Set<string>(Object.values(ERRORS).map((e) => e.code));
const KNOWN_EVENTS = new Set<string>(Object.values(EVENTS));

/** Strings a hostile client would try: odd unicode, prototype names, near-valid names, huge ones. */
const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'presence-', 'private-', '', ' ', '\u0000', '\ud800', '%zz', 'a'.repeat(201)),
  fc.stringMatching(/^(private-|presence-)?[A-Za-z0-9_\-=@,.;:]{1,30}$/),
  fc.string({ minLength: 5000, maxLength: 20000 }),
);

const anyValue = fc.oneof(nastyString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 3 }));

/** A client frame: raw text, random JSON, or a command-shaped object with wrong or odd fields. */
const frameArb: fc.Arbitrary<string | Buffer> = fc.oneof(
  nastyString,
  fc.json({ maxDepth: 4 }),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc
    .record(
      {
        command: fc.oneof(fc.constantFrom('subscribe', 'unsubscribe', 'SUBSCRIBE', 'Unsubscribe'), anyValue),
        data: fc.oneof(
          anyValue,
          fc.record(
            { channel: anyValue, auth: anyValue, data: fc.oneof(anyValue, fc.jsonValue().map((v) => JSON.stringify(v))) },
            { requiredKeys: [] },
          ),
        ),
        id: anyValue,
      },
      { requiredKeys: [] },
    )
    .map((frame) => JSON.stringify(frame)),
);

/** Percent-encodes what a request line cannot carry, but keeps `%` so that bad escapes go through. */
function rawPath(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    out += byte > 0x20 && byte < 0x7f && byte !== 0x23 && byte !== 0x3f ? String.fromCharCode(byte) : '%' + byte.toString(16).padStart(2, '0');
  }
  return out;
}

interface HttpCase {
  method: string;
  channel: string;
  query: string;
  body: string;
  contentType: string;
  signed: boolean;
  event: string;
}

const httpArb: fc.Arbitrary<HttpCase> = fc.record({
  method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE'),
  channel: fc.oneof(nastyString, fc.constantFrom('%', '%E0%A4%A', '%zz', '%00', '..%2F..', 'fuzz-watch', 'ok')),
  query: fc.oneof(
    fc.array(fc.tuple(fc.constantFrom('event', 'timestamp', 'auth_key', 'socket_id', 'x'), nastyString), { maxLength: 6 }).map((pairs) =>
      pairs.map(([k, v]) => `${k}=${rawPath(v)}`).join('&'),
    ),
    fc.constantFrom('%', 'event=%zz&timestamp=%', 'event&timestamp&auth_key', '&&&=&=', 'a'.repeat(20000), 'event=' + 'x'.repeat(9000)),
  ),
  body: fc.oneof(fc.json(), nastyString, fc.constant(''), fc.constantFrom('{"a":', 'null', '[]', '"str"', 'a=1&b=%zz')),
  contentType: fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'image/png', '', 'application/json; charset=utf-16'),
  signed: fc.boolean(),
  event: nastyString,
});

describe('e2e: fuzzing a live server', function () {
  this.timeout(120_000);
  let srv: TestServer;
  let watcher: TestClient;
  let watched = 0;

  before(async () => {
    srv = await startServer({ limits: { framesPerSecond: 1_000_000, frameBurst: 1_000_000, maxQueuedFrames: 1000 } });
    watcher = await TestClient.connect(srv.url, 'xhr-streaming');
    expect((await watcher.subscribe('fuzz-watch')).event).to.equal('pushy:subscription-success');
  });
  after(async () => {
    await watcher?.close();
    await srv?.close();
  });

  /** The well-behaved client still gets its events. */
  async function watcherStillServed(): Promise<void> {
    watched += 1;
    const n = watched;
    const answer = await trigger(srv.url, 'fuzz-watch', 'heartbeat', { n }, { secret: srv.secret });
    expect(answer.status).to.equal(201);
    await watcher.next('heartbeat', (f) => f.data.n === n);
  }

  it(`answers ${FRAME_RUNS} random client frames each with a clear frame, without closing the socket`, async () => {
    const clients = await Promise.all([RawWsClient.connect(srv.url, 'raw'), RawWsClient.connect(srv.url, 'framed')]);
    let sentinel = 0;
    await fc.assert(
      fc.asyncProperty(frameArb, fc.boolean(), async (frame, framed) => {
        const client = clients[framed && typeof frame === 'string' ? 1 : 0]!;
        const since = client.frames.length;
        const id = `sentinel-${++sentinel}`;
        if (typeof frame === 'string') client.send(frame);
        else client.ws.send(frame);
        // A known frame after it: its answer marks the end of the answers to the fuzz frame.
        client.send({ command: 'unsubscribe', data: { channel: 'never-subscribed-sentinel' }, id });
        const end = await client.next('pushy:error', (f) => f.data?.id === id, 3000);
        const answers = client.frames.slice(since, client.frames.indexOf(end));
        expect(answers.length, `no answer to ${JSON.stringify(frame).slice(0, 200)}`).to.be.greaterThan(0);
        for (const answer of answers) checkAnswer(answer);
        expect(end.data.code).to.equal('404');
        if (sentinel % 250 === 0) await watcherStillServed();
      }),
      { numRuns: FRAME_RUNS, endOnFailure: true },
    );
    for (const client of clients) expect(client.closeEvent).to.equal(undefined);
    // Presence with valid auth and random data, the one path random frames cannot reach.
    const presenceClient = clients[0]!;
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (value) => {
        const data = JSON.stringify(value);
        const channel = 'presence-fuzz';
        const auth = signChannel({ socketId: presenceClient.socketId, channel, presenceData: data, secretKey: srv.secret });
        const id = `p-${++sentinel}`;
        presenceClient.send({ command: 'subscribe', data: { channel, auth, data }, id }, { command: 'unsubscribe', data: { channel }, id: `${id}-u` });
        const answers = await Promise.all([id, `${id}-u`].map((frameId) => presenceClient.nextAny((f) => f.data?.id === frameId, 3000)));
        // A JSON object is accepted; anything else is refused with a reason, never a crash.
        if (Buffer.byteLength(data) > srv.server.config.limits.maxPresenceDataBytes) {
          expect(answers[0]!.data.code).to.equal('413');
          return;
        }
        const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
        expect(answers[0]!.event).to.equal(EVENTS.reply);
        expect(answers[0]!.data.result.subscribed).to.equal(isObject);
        expect(answers[1]!.event).to.equal(isObject ? EVENTS.reply : EVENTS.error);
      }),
      { numRuns: 300, endOnFailure: true },
    );
    await watcherStillServed();
    await Promise.all(clients.map((c) => c.close()));
  });

  it(`answers ${HTTP_RUNS} random trigger requests each with a clear HTTP error`, async () => {
    // No keep-alive: a refused request (431, 413) ends its connection, and reuse would race that.
    const agent = new http.Agent({ keepAlive: false });
    const { port } = new URL(srv.url);
    let runs = 0;
    try {
      await fc.assert(
        fc.asyncProperty(httpArb, async (c) => {
          const channelPath = rawPath(c.channel);
          let query = c.query;
          if (c.signed) {
            const timestamp = Math.floor(Date.now() / 1000);
            const channel = c.channel.toLowerCase();
            const authKey = signTrigger({ channel, event: c.event, timestamp, body: c.body, secretKey: srv.secret });
            query = `event=${encodeURIComponent(c.event.replace(/[\ud800-\udfff]/g, ''))}&timestamp=${timestamp}&auth_key=${authKey}&${c.query}`;
          }
          const answer = await send(agent, Number(port), c.method, `/pushy/channel/${channelPath}/trigger?${query}`, c.body, c.contentType);
          if (answer.status === 431) return; // the request line alone was over Node's header limit
          expect(answer.status, answer.text).to.be.oneOf([200, 201, 400, 403, 404, 405, 413, 415]);
          const body = JSON.parse(answer.text) as { error?: { code: unknown; message: unknown }; status?: unknown };
          if (answer.status >= 400) {
            expect(body.error?.code).to.be.a('string');
            expect(KNOWN_CODES.has(body.error!.code as string), answer.text).to.equal(true);
            expect(body.error?.message).to.be.a('string').and.not.contain(srv.secret);
          }
          runs += 1;
          if (runs % 250 === 0) await watcherStillServed();
        }),
        { numRuns: HTTP_RUNS, endOnFailure: true },
      );
    } finally {
      agent.destroy();
    }
    await watcherStillServed();
    expect(watcher.closed).to.equal(false);
  });
});

function checkAnswer(frame: Frame): void {
  expect(KNOWN_EVENTS.has(frame.event), JSON.stringify(frame).slice(0, 200)).to.equal(true);
  if (frame.event === EVENTS.error) {
    expect(frame.data.message).to.be.a('string');
    expect(KNOWN_CODES.has(frame.data.code as string), JSON.stringify(frame)).to.equal(true);
  }
}

function send(agent: http.Agent, port: number, method: string, path: string, body: string, contentType: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (contentType) headers['content-type'] = contentType;
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(method === 'GET' ? undefined : body);
  });
}
