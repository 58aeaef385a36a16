import http from 'node:http';
import { expect } from 'chai';
import fc from 'fast-check';
import { loadConfig } from '../../lib/config.js';
import { jsonTooDeep } from '../../lib/util/json-depth.js';
import { EVENTS } from '../../lib/native/protocol.js';
import { signChannel, signTrigger } from '../../lib/signing.js';
import { maxClientMessageBytes } from '../../lib/native/transports/message-limits.js';
import { TestClient, type Frame } from '../helpers/client.js';
import {
  anyValue,
  bodyArb,
  checkFrame,
  checkHttpError,
  contentTypeArb,
  deepJson,
  formEncode,
  frameArb,
  frameText,
  nastyString,
  rawPath,
  rssSettles,
  send,
  FUZZ_RSS_BOUND_BYTES,
} from '../helpers/fuzz.js';
import { basicAuth } from '../helpers/http.js';
import { spawnServer, type ServerProcess } from '../helpers/process-server.js';
import { RawWsClient } from '../helpers/raw-ws.js';
import { trigger } from '../helpers/trigger.js';
import { XhrSession, rawRequest } from '../helpers/xhr-session.js';

const FRAME_RUNS = 4000;
const PRESENCE_RUNS = 300;
const OUTER_RUNS = 600;
const XHR_RUNS = 500;
const TRIGGER_RUNS = 2500;
const HISTORY_RUNS = 1500;
const ADMIN_RUNS = 1500;
const ADMIN = { username: 'fuzz-admin', password: 'fuzz-admin-password' };
const MAX_PRESENCE_DATA_BYTES = 4096;
/** The cases of a run done once before the memory baseline is taken: a twentieth. */
const warm = (runs: number): number => Math.ceil(runs / 20);
/** Only the rate limit is lifted (random frames come fast); every other limit is the default. */
const LIMITS = { framesPerSecond: 1_000_000 };
/**
 * History may keep 64 MB of events by default, which the memory check would count: here it keeps
 * 1 MB, so that what stays after the fuzz is what nothing bounds.
 */
const HISTORY = { maxMemoryBytes: 1024 * 1024 };
/** Presence data nested past the JSON depth bound, but small enough for one frame. */
const shallowDeepJson = fc.integer({ min: 60, max: 600 }).map((depth) => '{"k":'.repeat(depth) + '1' + '}'.repeat(depth));

describe('e2e: fuzzing every transport and HTTP endpoint of a live server (its own process)', function () {
  this.timeout(180_000);
  let proc: ServerProcess;
  let watcher: TestClient;
  let startRss = 0;
  let watched = 0;
  let sentinel = 0;

  before(async () => {
    // A young generation of 1 MB semi-spaces (V8 grows them to 16 MB under load and gives that back
    // only seconds after it ends): RSS then shows what the server keeps, not how big V8 let its
    // nursery grow.
    // No login lockout: the fuzz sends wrong credentials on purpose (the lockout has its own test).
    proc = await spawnServer({ limits: LIMITS, admin: { ...ADMIN, maxLoginFailures: 0 }, history: HISTORY }, ['--max-semi-space-size=1']);
    watcher = await TestClient.connect(proc.url, 'xhr-streaming');
    expect((await watcher.subscribe('fuzz-watch')).event).to.equal('pushy:subscription-success');
    // Where it starts: after a first, small round of everything below, so that the comparison is
    // with a server that has loaded and compiled its code paths, not with one fresh from start.
    await fuzzFrames(warm(FRAME_RUNS), warm(PRESENCE_RUNS));
    await fuzzOuterMessages(warm(OUTER_RUNS));
    for (const path of ['xhr_send', 'jsonp_send'] as const) await fuzzSessionBodies(path, warm(XHR_RUNS));
    await fuzzTrigger(warm(TRIGGER_RUNS));
    await fuzzHistory(warm(HISTORY_RUNS));
    await fuzzAdmin(warm(ADMIN_RUNS));
    await oversize();
    startRss = proc.rssBytes();
  });
  after(async () => {
    await watcher?.close();
    expect(await proc.stop()).to.equal(0);
  });
  afterEach(() => {
    expect(proc.child.exitCode, 'the server exited').to.equal(null);
  });

  /** The well-behaved client still gets its events. */
  async function watcherStillServed(): Promise<void> {
    watched += 1;
    const n = watched;
    const answer = await trigger(proc.url, 'fuzz-watch', 'heartbeat', { n }, { secret: proc.secret });
    expect(answer.status).to.equal(201);
    await watcher.next('heartbeat', (f) => f.data.n === n);
  }

  /** A frame whose answer (a 404 error echoing its id) marks the end of the answers before it. */
  function nextSentinel(): { id: string; frame: string } {
    const id = `sentinel-${++sentinel}`;
    return { id, frame: JSON.stringify({ command: 'unsubscribe', data: { channel: 'never-subscribed-sentinel' }, id }) };
  }

  /** Checks the frames a transport answered before the sentinel's 404, and that there was at least one when `answered`. */
  function checkAnswers(frames: Frame[], since: number, end: Frame, what: unknown, answered: boolean): void {
    const answers = frames.slice(since, frames.indexOf(end));
    if (answered) expect(answers.length, `no answer to ${JSON.stringify(what).slice(0, 200)}`).to.be.greaterThan(0);
    for (const answer of answers) checkFrame(answer);
    expect(end.data.code).to.equal('404');
  }

  it(`answers ${FRAME_RUNS} random frames (deep, huge, binary, wrong types) over raw and framed WebSocket, without closing`, () => fuzzFrames(FRAME_RUNS, PRESENCE_RUNS));

  async function fuzzFrames(runs: number, presenceRuns: number): Promise<void> {
    const clients = await Promise.all([RawWsClient.connect(proc.url, 'raw'), RawWsClient.connect(proc.url, 'framed')]);
    await fc.assert(
      fc.asyncProperty(frameArb, fc.boolean(), async (frame, framed) => {
        const client = clients[framed && typeof frame === 'string' ? 1 : 0]!;
        const since = client.frames.length;
        const { id, frame: end } = nextSentinel();
        if (typeof frame === 'string') client.send(frame);
        else client.ws.send(frame);
        client.send(end);
        const answer = await client.next('pushy:error', (f) => f.data?.id === id, 5000);
        checkAnswers(client.frames, since, answer, frame, true);
        if (sentinel % 250 === 0) await watcherStillServed();
      }),
      { numRuns: runs, endOnFailure: true },
    );
    for (const client of clients) expect(client.closeEvent).to.equal(undefined);

    // Presence with valid auth and random data, the one path random frames cannot reach.
    const presenceClient = clients[0]!;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), shallowDeepJson), async (data) => {
        const channel = 'presence-fuzz';
        const auth = signChannel({ socketId: presenceClient.socketId, channel, presenceData: data, secretKey: proc.secret });
        const id = `p-${++sentinel}`;
        presenceClient.send({ command: 'subscribe', data: { channel, auth, data }, id }, { command: 'unsubscribe', data: { channel }, id: `${id}-u` });
        const answers = await Promise.all([id, `${id}-u`].map((frameId) => presenceClient.nextAny((f) => f.data?.id === frameId, 5000)));
        for (const answer of answers) checkFrame(answer);
        // A JSON object is accepted, unless too large (413) or too deep (400); anything else is refused with a reason.
        let value: unknown;
        try {
          value = JSON.parse(data);
        } catch {
          value = undefined;
        }
        const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
        const [subscribe, unsubscribe] = answers as [Frame, Frame];
        if (Buffer.byteLength(data) > MAX_PRESENCE_DATA_BYTES) {
          expect(subscribe.data.code).to.equal('413');
        } else if (isObject && jsonTooDeep(data)) {
          expect(subscribe.data.code).to.equal('400');
        } else {
          expect(subscribe.event).to.equal(EVENTS.reply);
          expect(subscribe.data.result.subscribed).to.equal(isObject);
        }
        const subscribed = subscribe.event === EVENTS.reply && subscribe.data.result.subscribed === true;
        expect(unsubscribe.event).to.equal(subscribed ? EVENTS.reply : EVENTS.error);
      }),
      { numRuns: presenceRuns, endOnFailure: true },
    );
    await watcherStillServed();
    await Promise.all(clients.map((c) => c.close()));
  }

  it(`takes ${OUTER_RUNS} random framed WebSocket messages (not JSON texts, deep, binary): answers, or closes that socket with 3000/1009`, () =>
    fuzzOuterMessages(OUTER_RUNS));

  async function fuzzOuterMessages(runs: number): Promise<void> {
    let client = await RawWsClient.connect(proc.url, 'framed');
    let closes = 0;
    const outer = fc.oneof(deepJson.map((deep) => `[${deep}]`), deepJson, fc.json({ maxDepth: 4 }), nastyString, frameText.map((text) => `[${text}]`));
    await fc.assert(
      fc.asyncProperty(outer, async (message) => {
        if (client.closeEvent) {
          closes += 1;
          client = await RawWsClient.connect(proc.url, 'framed');
        }
        const since = client.frames.length;
        const { id, frame: end } = nextSentinel();
        client.ws.send(message);
        client.send(end);
        const answer = await Promise.race([client.next('pushy:error', (f) => f.data?.id === id, 5000), client.closed(5000)]);
        if ('code' in answer && !('event' in answer)) {
          // sockjs's answer to a message that is not JSON: the session is closed.
          expect(answer.code, message.slice(0, 200)).to.be.oneOf([3000, 1009]);
          return;
        }
        checkAnswers(client.frames, since, answer as Frame, message, false);
      }),
      { numRuns: runs, endOnFailure: true },
    );
    if (runs >= 100) expect(closes).to.be.greaterThan(0);
    await client.close();
    await watcherStillServed();
  }

  for (const path of ['xhr_send', 'jsonp_send'] as const) {
    it(`answers ${XHR_RUNS} random ${path} bodies (frames, deep JSON, bytes, wrong types and content types), and the session goes on`, () =>
      fuzzSessionBodies(path, XHR_RUNS));
  }

  async function fuzzSessionBodies(path: 'xhr_send' | 'jsonp_send', runs: number): Promise<void> {
    const session = await XhrSession.open(proc.url);
    const frames = fc.array(frameText, { maxLength: 5 }).map((texts) => JSON.stringify(texts));
    const encode = (body: string | Buffer): string | Buffer => (path === 'jsonp_send' && typeof body === 'string' ? `d=${formEncode(body)}` : body);
    const sendSentinel = (frame: string): Promise<{ status: number }> =>
      path === 'xhr_send' ? session.sendFrames(frame) : session.send(`d=${encodeURIComponent(JSON.stringify([frame]))}`, { path, contentType: 'application/x-www-form-urlencoded' });
    await fc.assert(
      fc.asyncProperty(fc.oneof(frames, frames, bodyArb), contentTypeArb, async (body, contentType) => {
        const since = session.frames.length;
        const answer = await session.send(encode(body), { path, contentType: body === '' ? '' : contentType });
        // 204/200: taken; 500 and its text: sockjs refused the payload; 413: over the bound.
        expect(answer.status, `${answer.status} ${answer.text}`).to.be.oneOf([200, 204, 413, 500]);
        const { id, frame } = nextSentinel();
        expect((await sendSentinel(frame)).status).to.be.oneOf([200, 204]);
        const end = await session.nextAny((f) => f.data?.id === id);
        checkAnswers(session.frames, since, end, body, false);
        if (sentinel % 100 === 0) await watcherStillServed();
      }),
      { numRuns: runs, endOnFailure: true },
    );
    expect(session.closeFrame).to.equal(undefined);
  }

  /** Runs `cases` requests, each answered with a success or a catalogue error, checking the watcher now and then. */
  async function fuzzHttp<T>(arb: fc.Arbitrary<T>, runs: number, request: (agent: http.Agent, c: T) => Promise<{ status: number; text: string; skipBody?: boolean }>, statuses: number[]): Promise<void> {
    // No keep-alive: a refused request (431, 413) ends its connection, and reuse would race that.
    const agent = new http.Agent({ keepAlive: false });
    let done = 0;
    let resets = 0;
    try {
      await fc.assert(
        fc.asyncProperty(arb, async (c) => {
          const answer = await request(agent, c);
          if (answer.status === 431) return; // the request line alone was over Node's header limit
          // Answered before the body was read (404, 405): closing the connection then may reset it
          // under a client still sending. Rare, and the server goes on.
          if (answer.status === 0) {
            resets += 1;
            return;
          }
          expect(answer.status, answer.text.slice(0, 300)).to.be.oneOf(statuses);
          if (answer.status >= 400 && !answer.skipBody) checkHttpError(answer, proc.secret);
          done += 1;
          if (done % 250 === 0) await watcherStillServed();
        }),
        { numRuns: runs, endOnFailure: true },
      );
    } finally {
      agent.destroy();
    }
    expect(resets, 'connections reset').to.be.below(runs / 20);
    await watcherStillServed();
  }

  it(`answers ${TRIGGER_RUNS} random trigger requests (odd paths, queries, deep and binary bodies, signed or not)`, () => fuzzTrigger(TRIGGER_RUNS));

  async function fuzzTrigger(runs: number): Promise<void> {
    const triggerArb = fc.record({
      method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE'),
      channel: fc.oneof(nastyString, fc.constantFrom('%', '%E0%A4%A', '%zz', '%00', '..%2F..', 'fuzz-watch', 'ok')),
      query: fc.oneof(
        fc.array(fc.tuple(fc.constantFrom('event', 'timestamp', 'auth_key', 'socket_id', 'idempotency_key', 'x'), nastyString), { maxLength: 6 }).map((pairs) =>
          pairs.map(([k, v]) => `${k}=${rawPath(v)}`).join('&'),
        ),
        fc.constantFrom('%', 'event=%zz&timestamp=%', 'event&timestamp&auth_key', '&&&=&=', 'a'.repeat(20000), 'event=' + 'x'.repeat(9000)),
      ),
      body: bodyArb,
      contentType: contentTypeArb,
      signed: fc.boolean(),
      event: nastyString,
    });
    await fuzzHttp(
      triggerArb,
      runs,
      (agent, c) => {
        let query = c.query;
        if (c.signed) {
          const timestamp = Math.floor(Date.now() / 1000);
          const body = Buffer.isBuffer(c.body) ? c.body.toString('utf8') : c.body;
          const authKey = signTrigger({ channel: c.channel.toLowerCase(), event: c.event, timestamp, body, secretKey: proc.secret });
          query = `event=${encodeURIComponent(c.event.replace(/[\ud800-\udfff]/g, ''))}&timestamp=${timestamp}&auth_key=${authKey}&${c.query}`;
        }
        const headers: Record<string, string> = c.contentType ? { 'content-type': c.contentType } : {};
        return send(agent, proc.url, c.method, `/pushy/channel/${rawPath(c.channel)}/trigger?${query}`, c.body, headers);
      },
      [200, 201, 400, 403, 404, 405, 413, 415],
    );
  }

  it(`answers ${HISTORY_RUNS} random history requests (odd channels, since and limit of every type, signed or not)`, () => fuzzHistory(HISTORY_RUNS));

  async function fuzzHistory(runs: number): Promise<void> {
    const historyArb = fc.record({
      method: fc.constantFrom('GET', 'GET', 'GET', 'POST', 'HEAD'),
      channel: fc.oneof(nastyString, fc.constantFrom('fuzz-watch', 'presence-fuzz', '%', '%zz', '..%2F..')),
      params: fc.array(fc.tuple(fc.constantFrom('since', 'limit', 'timestamp', 'auth_key', 'x'), fc.oneof(nastyString, anyValue.map(String))), { maxLength: 5 }),
      signed: fc.boolean(),
    });
    await fuzzHttp(
      historyArb,
      runs,
      async (agent, c) => {
        const params = c.params.map(([k, v]) => `${k}=${rawPath(v)}`);
        if (c.signed) {
          const timestamp = Math.floor(Date.now() / 1000);
          const authKey = signTrigger({ channel: c.channel.toLowerCase(), event: 'pushy:history', timestamp, body: '', secretKey: proc.secret });
          params.unshift(`timestamp=${timestamp}`, `auth_key=${authKey}`);
        }
        const answer = await send(agent, proc.url, c.method, `/pushy/channel/${rawPath(c.channel)}/history?${params.join('&')}`, undefined);
        if (answer.status === 200 && c.method === 'GET') expect(JSON.parse(answer.text)).to.include.keys('channel', 'offset', 'epoch', 'events');
        return { ...answer, skipBody: c.method === 'HEAD' };
      },
      [200, 400, 403, 404, 405],
    );
  }

  it(`answers ${ADMIN_RUNS} random admin API requests (every route, wrong credentials, types and bodies)`, () => fuzzAdmin(ADMIN_RUNS));

  async function fuzzAdmin(runs: number): Promise<void> {
    const good = basicAuth(ADMIN.username, ADMIN.password);
    const adminArb = fc.record({
      method: fc.constantFrom('GET', 'POST', 'POST', 'PUT', 'DELETE'),
      route: fc.oneof(
        fc.constantFrom('stats', 'connections', 'nodes', 'channels', 'channels/fuzz-watch', 'trigger', 'auth', 'nope', ''),
        nastyString.map((name) => `channels/${rawPath(name)}`),
      ),
      query: fc.array(fc.tuple(fc.constantFrom('since', 'prefix', 'limit', 'x'), fc.oneof(nastyString, anyValue.map(String))), { maxLength: 4 }),
      authorization: fc.oneof(fc.constant(good), fc.constant(good), fc.constant(undefined), fc.constant(basicAuth(ADMIN.username, 'wrong')), nastyString.map((text) => `Basic ${text}`)),
      body: fc.oneof(
        bodyArb,
        fc
          .tuple(fc.record({ channel: anyValue, event: anyValue, data: anyValue, socketId: anyValue }, { requiredKeys: [] }), deepJson)
          .map(([body, deep]) => JSON.stringify(body).split(JSON.stringify('\u0000deep\u0000')).join(deep)),
      ),
      contentType: contentTypeArb,
    });
    await fuzzHttp(
      adminArb,
      runs,
      (agent, c) => {
        const headers: Record<string, string> = {};
        if (c.authorization !== undefined) headers.authorization = c.authorization.replace(/[^\t\x20-\x7e]/g, '');
        if (c.contentType) headers['content-type'] = c.contentType;
        const query = c.query.map(([k, v]) => `${k}=${rawPath(v)}`).join('&');
        return send(agent, proc.url, c.method, `/pushy/admin/api/${c.route}?${query}`, c.body, headers);
      },
      // 429: a brute-force limit on wrong credentials, where there is one.
      [200, 201, 400, 401, 404, 405, 413, 415, 429],
    );
  }

  it('refuses oversized messages on every transport, then server memory returns to where it started', async () => {
    await oversize();
    const growth = await rssSettles(proc, startRss);
    expect(growth, `RSS is ${Math.round(growth / 1048576)} MB above its start`).to.be.below(FUZZ_RSS_BOUND_BYTES);
    // Client faults never reach the error log.
    expect(proc.stderr().split('\n').filter((line) => / ERROR /.test(line))).to.deep.equal([]);
  });

  /** Messages over the bound on every transport: refused, and a normal client is still served. */
  async function oversize(): Promise<void> {
    const bound = maxClientMessageBytes(loadConfig({ env: {}, overrides: { limits: LIMITS } }).limits);
    for (const size of [bound + 1, 2 * bound]) {
      const big = 'x'.repeat(size);
      const sockets = await Promise.all([RawWsClient.connect(proc.url, 'raw'), RawWsClient.connect(proc.url, 'framed')]);
      sockets[0]!.ws.send(big);
      sockets[1]!.ws.send(JSON.stringify([big]));
      for (const client of sockets) expect((await client.closed(30_000)).code).to.be.oneOf([1009, 1006]);
      const url = (path: string): string => `${proc.url}${path}`;
      for (const path of ['/pushy/socket/000/oversize/xhr_send', '/pushy/socket/000/oversize/jsonp_send', '/pushy/channel/fuzz-watch/trigger', '/pushy/admin/api/trigger']) {
        for (const chunked of [false, true]) {
          const headers = { authorization: basicAuth(ADMIN.username, ADMIN.password), 'content-type': 'application/json' };
          const answer = await rawRequest(url(path), { body: big, chunked, headers, allowReset: true });
          // 413, or (past the drain allowance) the upload cut; the trigger checks its query first.
          expect(answer.status, `${path} ${size}`).to.be.oneOf(path.includes('/trigger') && !path.includes('admin') ? [400, 413, 0] : [413, 0]);
        }
      }
    }
    await watcherStillServed();
  }
});
