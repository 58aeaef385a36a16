import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { expect } from 'chai';
import { SessionRouter } from '../../lib/cluster/sticky.js';
import { TestClient } from '../helpers/client.js';
import { spawnServer, type ServerProcess } from '../helpers/process-server.js';
import { RawWsClient } from '../helpers/raw-ws.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { requireService } from '../helpers/services.js';
import { trigger } from '../helpers/trigger.js';
import { signChannel, triggerUrl } from '../../lib/signing.js';
import { waitUntil } from '../helpers/wait.js';
import { recoversMissedEvents } from './recovery-scenarios.js';

const PREFIX = '/pushy/socket';
const router = new SessionRouter([PREFIX], 2);

let sessions = 0;
/** A `<server>/<session>` path part whose session lives on `worker`. */
function sessionOn(worker: number): string {
  for (;;) {
    const session = `w${process.pid}x${(sessions += 1)}`;
    if (router.workerOf(session) === worker) return `000/${session}`;
  }
}

/** The ids of a process's children (the workers of a primary). */
function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4, after the name in parentheses, is the parent's id.
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // The process ended while the list was read.
    }
  }
  return children;
}

/** One request over `agent`; resolves with the status, the body and whether the socket was reused. */
function call(agent: http.Agent, url: string, method: string, body?: string): Promise<{ status: number; text: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: body === undefined ? {} : { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) } });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, reused: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A trigger sent on a connection of its own, so that the primary routes it afresh (round robin). */
async function triggerAlone(srv: ServerProcess, channel: string, event: string, data: unknown, extraParams?: Record<string, string>): Promise<number> {
  const body = JSON.stringify(data);
  const url = triggerUrl({ baseUrl: srv.url, channel, event, body, secretKey: srv.secret, extraParams });
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('e2e: workers: 2 (one port, sticky sessions, shared channels)', function () {
  this.timeout(30_000);
  let srv: ServerProcess;
  const open: Array<{ close(): Promise<void> }> = [];
  const framed = async (worker: number): Promise<RawWsClient> => {
    const client = await RawWsClient.connect(srv.url, 'framed', {}, PREFIX, sessionOn(worker));
    open.push(client);
    return client;
  };

  before(async () => {
    srv = await spawnServer({ workers: 2 });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((client) => client.close()));
  });
  after(async () => {
    await srv?.stop();
  });

  it('runs two worker processes behind the one port', () => {
    expect(childPids(srv.child.pid!)).to.have.length(2);
  });

  it('delivers a channel\'s events to its subscribers on both workers, in order, with one sequence of offsets', async () => {
    const [a, b] = [await framed(0), await framed(1)];
    a.send({ command: 'subscribe', data: { channel: 'shared' } });
    b.send({ command: 'subscribe', data: { channel: 'shared' } });
    await Promise.all([a.next('pushy:subscription-success'), b.next('pushy:subscription-success')]);
    // Each trigger on a connection of its own: the primary sends them to the workers in turn,
    // so each worker publishes some and both deliver all.
    for (let n = 1; n <= 4; n += 1) expect(await triggerAlone(srv, 'shared', 'n', { n })).to.equal(201);
    for (const client of [a, b]) {
      await client.next('n', (f) => f.data.n === 4);
      expect(client.events('n').map((f) => [f.data.n, f.offset])).to.deep.equal([
        [1, 1],
        [2, 2],
        [3, 3],
        [4, 4],
      ]);
    }
  });

  it('excludes the sender\'s socket whichever worker takes the trigger', async () => {
    const [a, b] = [await framed(0), await framed(1)];
    for (const client of [a, b]) client.send({ command: 'subscribe', data: { channel: 'echo' } });
    await Promise.all([a.next('pushy:subscription-success'), b.next('pushy:subscription-success')]);
    expect(await triggerAlone(srv, 'echo', 'said', { by: 'a' }, { socket_id: a.socketId })).to.equal(201);
    expect(await triggerAlone(srv, 'echo', 'said', { by: 'b' }, { socket_id: b.socketId })).to.equal(201);
    await a.next('said', (f) => f.data.by === 'b');
    await b.next('said', (f) => f.data.by === 'a');
    expect(await triggerAlone(srv, 'echo', 'said', { by: 'none' })).to.equal(201);
    await Promise.all([a.next('said', (f) => f.data.by === 'none'), b.next('said', (f) => f.data.by === 'none')]);
    expect(a.events('said').map((f) => f.data.by)).to.deep.equal(['b', 'none']);
    expect(b.events('said').map((f) => f.data.by)).to.deep.equal(['a', 'none']);
  });

  it('keeps one presence roster for both workers', async () => {
    const [a, b] = [await framed(0), await framed(1)];
    join(srv, a, 'presence-room', 'ann');
    await a.next('pushy:subscription-success');
    join(srv, b, 'presence-room', 'bob');
    const joined = await b.next('pushy:subscription-success');
    expect(joined.data.presence.map((m: { id: string }) => m.id).sort()).to.deep.equal(['ann', 'bob']);
    expect((await a.next('pushy:presence-add')).data.member.id).to.equal('bob');
    await b.close();
    expect((await a.next('pushy:presence-quit')).data.member.id).to.equal('bob');
  });

  it('answers a repeated idempotency key once, whichever worker takes each', async () => {
    const a = await framed(1);
    a.send({ command: 'subscribe', data: { channel: 'once' } });
    await a.next('pushy:subscription-success');
    for (let i = 0; i < 4; i += 1) expect(await triggerAlone(srv, 'once', 'paid', { i }, { idempotency_key: 'order-7' })).to.be.oneOf([200, 201]);
    expect(await triggerAlone(srv, 'once', 'done', {})).to.equal(201);
    await a.next('done');
    expect(a.events('paid').map((f) => f.data.i)).to.deep.equal([0]);
  });

  it('recovers missed events on a new session, on whichever worker it lands', async () => {
    await recoversMissedEvents(srv, srv, 'workers-recovery');
  });

  it('serves every session of one keep-alive connection on its own worker (requests handed back to the primary)', async () => {
    // The browser case: an /info request, then requests of two sessions, all on one kept-alive
    // connection, while each session was opened on a connection of its own (so it lives on its
    // own worker): every request must reach the worker that holds its session.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const fresh = new http.Agent({ keepAlive: false });
    try {
      expect((await call(agent, `${srv.url}${PREFIX}/info`, 'GET')).status).to.equal(200);
      const [s0, s1] = [sessionOn(0), sessionOn(1)];
      for (const session of [s0, s1]) expect((await call(fresh, `${srv.url}${PREFIX}/${session}/xhr`, 'POST')).text).to.equal('o\n');
      for (const session of [s0, s1]) {
        const connected = await call(agent, `${srv.url}${PREFIX}/${session}/xhr`, 'POST');
        expect(connected).to.deep.include({ status: 200, reused: true });
        expect(connected.text, session).to.match(/^a\[.*pushy:connect.*xhr-polling/);
        const frame = JSON.stringify([JSON.stringify({ command: 'subscribe', data: { channel: `keep-${session.slice(4)}` }, id: 1 })]);
        expect((await call(agent, `${srv.url}${PREFIX}/${session}/xhr_send`, 'POST', frame)).status, `xhr_send of ${session}`).to.equal(204);
      }
      for (const session of [s0, s1]) {
        const answer = await call(agent, `${srv.url}${PREFIX}/${session}/xhr`, 'POST');
        expect(answer.text, session).to.contain('pushy:subscription-success').and.contain(`keep-${session.slice(4)}`);
      }
    } finally {
      agent.destroy();
      fresh.destroy();
    }
  });

  it('sockjs-client works over every transport it has in Node', async () => {
    for (const transport of ['websocket', 'xhr-streaming', 'xhr-polling'] as const) {
      const client = await TestClient.connect(srv.url, transport);
      open.push(client);
      await client.subscribe(`node-${transport}`);
      await trigger(srv.url, `node-${transport}`, 'hi', { transport }, { secret: srv.secret });
      expect((await client.next('hi')).data).to.deep.equal({ transport });
    }
  });

  it('replaces a worker that dies; its members leave and the server goes on', async () => {
    const workers = childPids(srv.child.pid!);
    const [a, b] = [await framed(0), await framed(1)];
    join(srv, a, 'presence-crash', 'ann');
    await a.next('pushy:subscription-success');
    join(srv, b, 'presence-crash', 'bob');
    await b.next('pushy:subscription-success');
    await a.next('pushy:presence-add');
    // One worker is killed outright, no goodbye: the client on it loses its connection, and the
    // one on the other worker hears that member leave.
    process.kill(workers[0]!, 'SIGKILL');
    const lost = await new Promise<RawWsClient>((resolve) => {
      for (const client of [a, b]) client.closed(20_000).then(() => resolve(client), () => undefined);
    });
    const survivor = lost === a ? b : a;
    expect((await survivor.next('pushy:presence-quit')).data.member.id).to.equal(lost === a ? 'ann' : 'bob');
    // A new worker takes the dead one's place; sessions of both workers are served.
    await waitUntil(() => childPids(srv.child.pid!).some((pid) => !workers.includes(pid)), 15_000, 'a new worker');
    expect(srv.stderr()).to.contain('worker exited; starting a new one');
    for (const worker of [0, 1]) {
      const client = await framed(worker);
      client.send({ command: 'subscribe', data: { channel: 'after-crash' } });
      await client.next('pushy:subscription-success');
    }
    expect(await triggerAlone(srv, 'after-crash', 'ok', {})).to.equal(201);
  });

  it('closes every session with 1001 on SIGTERM and exits 0, workers included', async () => {
    const workers = childPids(srv.child.pid!);
    const [a, b] = [await framed(0), await framed(1)];
    const code = await srv.stop();
    expect(code).to.equal(0);
    for (const client of [a, b]) expect(await client.closed()).to.deep.equal({ code: 1001, reason: 'Server shutting down' });
    for (const pid of workers) expect(() => process.kill(pid, 0), `worker ${pid} is gone`).to.throw();
  });
});

/** Subscribes `client` to a presence channel as user `user`. */
function join(srv: ServerProcess, client: RawWsClient, channel: string, user: string): void {
  const data = JSON.stringify({ id: user });
  const auth = signChannel({ socketId: client.socketId, channel, presenceData: data, secretKey: srv.secret });
  client.send({ command: 'subscribe', data: { channel, auth, data } });
}

describe('e2e: workers: 2 on Redis (each worker a node)', function () {
  this.timeout(30_000);
  let redis: RedisServer;
  let srv: ServerProcess;

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
    srv = await spawnServer({ workers: 2, adapter: { type: 'redis', url: redis.url } });
  });
  after(async () => {
    await srv?.stop();
    await redis?.destroy();
  });

  it('delivers to subscribers on both workers, with one presence roster and one sequence of offsets', async () => {
    const a = await RawWsClient.connect(srv.url, 'framed', {}, PREFIX, sessionOn(0));
    const b = await RawWsClient.connect(srv.url, 'framed', {}, PREFIX, sessionOn(1));
    try {
      join(srv, a, 'presence-redis', 'ann');
      await a.next('pushy:subscription-success');
      join(srv, b, 'presence-redis', 'bob');
      expect((await b.next('pushy:subscription-success')).data.presence).to.have.length(2);
      for (let n = 1; n <= 3; n += 1) expect(await triggerAlone(srv, 'presence-redis', 'n', { n })).to.equal(201);
      for (const client of [a, b]) {
        await client.next('n', (f) => f.data.n === 3);
        expect(client.events('n').map((f) => f.offset)).to.deep.equal([1, 2, 3]);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
