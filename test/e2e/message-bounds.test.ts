import { expect } from 'chai';
import { maxClientMessageBytes } from '../../lib/native/transports/message-limits.js';
import { loadConfig } from '../../lib/config.js';
import { spawnServer, type ServerProcess } from '../helpers/process-server.js';
import { RawWsClient, type RawMode } from '../helpers/raw-ws.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';
import { XhrSession, rawRequest } from '../helpers/xhr-session.js';

/** Small frame limits, so that the message bound is 8 kB: 8 frames of 1 kB. */
const LIMITS = { maxFrameBytes: 1024, frameBurst: 8, maxQueuedFrames: 20 };
const BOUND = 8 * 1024;

/**
 * Peak resident memory 240 MB of oversized messages may add to the server (README, "Limits and
 * security"): about 8 MB measured, what it reads and drops until the sockets close. When they
 * were buffered, four 30 MB WebSocket messages alone added 341 MB.
 */
export const OVERSIZE_PEAK_BOUND_BYTES = 40 * 1024 * 1024;

describe('e2e: client messages are bounded by the frame limits on every transport', function () {
  this.timeout(60_000);
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ limits: LIMITS });
  });
  after(() => srv.close());

  it('derives the bound from maxFrameBytes and the most frames one message can carry', () => {
    expect(maxClientMessageBytes(LIMITS)).to.equal(BOUND);
    const defaults = loadConfig({ env: {} }).limits;
    expect(maxClientMessageBytes(defaults)).to.equal(16384 * 100);
    expect(maxClientMessageBytes({ maxFrameBytes: 0, frameBurst: 0, maxQueuedFrames: 0 })).to.equal(1);
  });

  for (const mode of ['framed', 'raw'] as RawMode[]) {
    it(`closes a ${mode} WebSocket with 1009 on a message over the bound, and answers 413 for an oversized frame under it`, async () => {
      const client = await RawWsClient.connect(srv.url, mode);
      // Under the bound, one frame over maxFrameBytes: refused, the socket stays.
      client.send(JSON.stringify({ command: 'subscribe', data: { channel: 'a', pad: 'x'.repeat(2000) } }));
      expect((await client.next('pushy:error')).data.code).to.equal('413');
      client.send({ command: 'subscribe', data: { channel: `bounded-${mode}` } });
      await client.next('pushy:subscription-success');
      // Over the bound: cut before it is buffered.
      client.send(JSON.stringify({ command: 'subscribe', data: { channel: 'a', pad: 'x'.repeat(BOUND) } }));
      expect((await client.closed()).code).to.equal(1009);
      await stillServes(srv);
    });
  }

  it('refuses an xhr_send body over the bound with 413, by Content-Length and by counted bytes; the session goes on', async () => {
    const session = await XhrSession.open(srv.url);
    const big = JSON.stringify(['x'.repeat(BOUND)]);
    for (const chunked of [false, true]) {
      const refused = await session.send(big, { chunked });
      expect(refused.status, `chunked: ${chunked}`).to.equal(413);
      expect(JSON.parse(refused.text)).to.deep.equal({ error: { code: '413', name: 'BODY_TOO_LARGE', message: 'Request body too large' } });
    }
    // A body at the bound goes through, whole.
    const frame = JSON.stringify({ command: 'subscribe', data: { channel: 'xhr-bounded' } });
    const padded = JSON.stringify([frame, 'y'.repeat(BOUND - frame.length - 40)]);
    expect(Buffer.byteLength(padded)).to.be.at.most(BOUND);
    expect((await session.send(padded)).status).to.equal(204);
    await session.nextAny((f) => f.event === 'pushy:subscription-success');
    await trigger(srv.url, 'xhr-bounded', 'hello', { n: 1 }, { secret: srv.secret });
    await session.nextAny((f) => f.event === 'hello');
  });

  it('refuses a jsonp_send body over the bound with 413', async () => {
    const session = await XhrSession.open(srv.url);
    const form = 'd=' + encodeURIComponent(JSON.stringify(['x'.repeat(BOUND)]));
    const refused = await session.send(form, { path: 'jsonp_send', contentType: 'application/x-www-form-urlencoded' });
    expect(refused.status).to.equal(413);
    const frame = JSON.stringify({ command: 'subscribe', data: { channel: 'jsonp-bounded' } });
    const ok = await session.send('d=' + encodeURIComponent(JSON.stringify([frame])), { path: 'jsonp_send', contentType: 'application/x-www-form-urlencoded' });
    expect(ok.status).to.equal(200);
    await session.nextAny((f) => f.event === 'pushy:subscription-success');
  });

  it('does the same before a session exists (no sockjs work for a made-up session)', async () => {
    for (const path of ['xhr_send', 'jsonp_send']) {
      const answer = await rawRequest(`${srv.url}/pushy/socket/000/made-up/${path}`, { body: 'x'.repeat(BOUND + 1), allowReset: true });
      expect(answer.status, path).to.equal(413);
    }
  });
});

describe('e2e: oversized client messages do not grow server memory', function () {
  this.timeout(120_000);
  let proc: ServerProcess;
  before(async () => {
    proc = await spawnServer({});
  });
  after(() => proc.stop());

  it('refuses four 30 MB WebSocket messages (raw and framed) and four 30 MB xhr_send bodies before buffering them', async () => {
    const bound = maxClientMessageBytes(loadConfig({ env: {} }).limits);
    const idle = proc.rssBytes();
    const huge = 'x'.repeat(30 * 1024 * 1024);
    const sockets = await Promise.all((['raw', 'framed', 'raw', 'framed'] as RawMode[]).map((mode) => RawWsClient.connect(proc.url, mode)));
    for (const client of sockets) client.ws.send(client.mode === 'framed' ? JSON.stringify([huge]) : huge);
    // 1009, or a dropped connection when the server closed while the client was still sending.
    for (const client of sockets) expect((await client.closed(60_000)).code).to.be.oneOf([1009, 1006]);
    const answers = await Promise.all(
      [0, 1, 2, 3].map((n) => rawRequest(`${proc.url}/pushy/socket/000/big${n}/xhr_send`, { body: huge, chunked: n % 2 === 1, allowReset: true })),
    );
    // Refused, by status or (past the drain cap) by cutting the upload.
    for (const answer of answers) expect(answer.status).to.be.oneOf([413, 0]);
    const growth = proc.peakRssBytes() - idle;
    expect(growth, `peak RSS grew by ${Math.round(growth / 1048576)} MB (bound ${bound} bytes)`).to.be.below(OVERSIZE_PEAK_BOUND_BYTES);
    await stillServes({ url: proc.url, secret: proc.secret });
    expect(proc.child.exitCode).to.equal(null);
  });
});

/** A fresh client still subscribes and receives. */
async function stillServes(server: { url: string; secret: string }): Promise<void> {
  const client = await RawWsClient.connect(server.url, 'raw');
  client.send({ command: 'subscribe', data: { channel: 'still-serves' } });
  await client.next('pushy:subscription-success');
  await trigger(server.url, 'still-serves', 'ping', { ok: true }, { secret: server.secret });
  await client.next('ping');
  await client.close();
}
