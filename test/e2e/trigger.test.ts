import { expect } from 'chai';
import { signTrigger, triggerUrl } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { post, trigger } from '../helpers/trigger.js';

describe('e2e: HTTP trigger', () => {
  let srv: TestServer;
  let client: TestClient;
  before(async () => {
    srv = await startServer({ limits: { maxTriggerBodyBytes: 1024 } });
    client = await TestClient.connect(srv.url, 'websocket');
    await client.subscribe('room');
  });
  after(async () => {
    await client.close();
    await srv.close();
  });

  const now = (): number => Math.floor(Date.now() / 1000);
  const signedUrl = (params: Record<string, string | undefined>, body = '', channel = 'room'): string => {
    const timestamp = params.timestamp ?? String(now());
    const event = params.event ?? 'ev';
    const url = new URL(`${srv.url}/pushy/channel/${channel}/trigger`);
    const authKey = params.auth_key ?? signTrigger({ channel, event, timestamp, body, secretKey: srv.secret });
    const all = { event, timestamp, auth_key: authKey, ...params };
    for (const [key, value] of Object.entries(all)) if (value !== undefined && value !== 'OMIT') url.searchParams.set(key, value);
    return url.toString();
  };

  it('answers 201 with subscribers and 200 without', async () => {
    expect((await trigger(srv.url, 'room', 'ev', { a: 1 }, { secret: srv.secret })).body).to.deep.equal({ status: { code: 201, message: 'Ok' } });
    const empty = await trigger(srv.url, 'nobody-here', 'ev', { a: 1 }, { secret: srv.secret });
    expect(empty.status).to.equal(200);
    expect(empty.body).to.deep.equal({ status: { code: 200, message: 'Ok' } });
  });

  for (const missing of ['event', 'timestamp', 'auth_key']) {
    it(`refuses a missing ${missing} with 400 "400"`, async () => {
      const answer = await post(signedUrl({ [missing]: 'OMIT' }), '');
      expect(answer.status).to.equal(400);
      expect(answer.body.error.code).to.equal('400');
      expect(answer.body.error.message).to.contain(missing);
    });
  }

  it('refuses a bad key with 403 "403" and never echoes the key or the signed text', async () => {
    const badKey = 'a'.repeat(64);
    const answer = await post(signedUrl({ auth_key: badKey }), '{"x":1}');
    expect(answer.status).to.equal(403);
    expect(answer.body).to.deep.equal({ error: { code: '403', name: 'INVALID_CREDENTIALS', message: 'Invalid credentials' } });
    expect(answer.text).not.to.contain(badKey);
    expect(answer.text).not.to.contain(srv.secret);
  });

  it('refuses a timestamp 601 s away either way with 403 "501", accepts 599 s', async () => {
    for (const offset of [601, -601]) {
      const answer = await trigger(srv.url, 'room', 'ev', {}, { secret: srv.secret, timestamp: now() + offset });
      expect(answer.status, String(offset)).to.equal(403);
      expect(answer.body.error.code).to.equal('501');
    }
    expect((await trigger(srv.url, 'room', 'ev', {}, { secret: srv.secret, timestamp: now() - 599 })).status).to.equal(201);
  });

  it('refuses a non-numeric timestamp (v1 let it never expire)', async () => {
    for (const timestamp of ['abc', '12.5', '1e9', '-5', '']) {
      const answer = await post(signedUrl({ timestamp }), '');
      expect(answer.status, timestamp).to.equal(400);
      expect(answer.body.error.code).to.equal('400');
    }
  });

  it('refuses an oversized body with 413 "413"', async () => {
    const body = JSON.stringify({ big: 'x'.repeat(2000) });
    const answer = await trigger(srv.url, 'room', 'ev', undefined, { secret: srv.secret, body });
    expect(answer.status).to.equal(413);
    expect(answer.body.error.code).to.equal('413');
  });

  it('refuses malformed JSON, invalid channel names and reserved event names with 400', async () => {
    expect((await post(signedUrl({}, '{oops'), '{oops')).status).to.equal(400);
    expect((await post(signedUrl({}, '', 'bad%20name'), '')).status).to.equal(400);
    expect((await post(signedUrl({}, '', '%E0%A4%A'), '')).status).to.equal(400);
    expect((await post(signedUrl({ event: 'pushy:presence-add' }), '')).status).to.equal(400);
  });

  it('delivers an empty body as {} (signed as {})', async () => {
    const since = client.frames.length;
    expect((await trigger(srv.url, 'room', 'empty', undefined, { secret: srv.secret, body: '' })).status).to.equal(201);
    const frame = await client.next('empty', () => true, 5000, since);
    expect(frame.data).to.deep.equal({});
  });

  it('delivers a form body as an object', async () => {
    const since = client.frames.length;
    const body = 'name=Ann&msg=hi+there';
    const answer = await trigger(srv.url, 'room', 'form', undefined, { secret: srv.secret, body, contentType: 'application/x-www-form-urlencoded' });
    expect(answer.status).to.equal(201);
    expect((await client.next('form', () => true, 5000, since)).data).to.deep.equal({ name: 'Ann', msg: 'hi there' });
  });

  it('accepts the v1 signing of JSON.stringify(parsed body)', async () => {
    const since = client.frames.length;
    const raw = '{ "spaced" : true }';
    const timestamp = String(now());
    const authKey = signTrigger({ channel: 'room', event: 'v1', timestamp, body: '{"spaced":true}', secretKey: srv.secret });
    const answer = await post(signedUrl({ event: 'v1', timestamp, auth_key: authKey }), raw);
    expect(answer.status).to.equal(201);
    expect((await client.next('v1', () => true, 5000, since)).data).to.deep.equal({ spaced: true });
  });

  it('excludes exactly the socket named by socket_id', async () => {
    const other = await TestClient.connect(srv.url, 'xhr-streaming');
    await other.subscribe('room');
    await trigger(srv.url, 'room', 'echo', { n: 1 }, { secret: srv.secret, socketId: client.socketId });
    await trigger(srv.url, 'room', 'echo', { n: 2 }, { secret: srv.secret });
    await other.next('echo', (f) => f.data.n === 2);
    await client.next('echo', (f) => f.data.n === 2);
    expect(other.events('echo').map((f) => f.data.n)).to.deep.equal([1, 2]);
    expect(client.events('echo').map((f) => f.data.n)).to.deep.equal([2]);
    await other.close();
  });

  it('refuses (400) a socket_id of another form than the server gives out', async () => {
    for (const socketId of [`${client.socketId}:x`, 'x', client.socketId.toUpperCase()]) {
      const answer = await post(signedUrl({ socket_id: socketId }), '');
      expect(answer.status, socketId).to.equal(400);
      expect(answer.body.error.message).to.contain('socket_id');
    }
  });

  it('answers 404 for unknown paths and 405 for other methods', async () => {
    const notFound = await fetch(`${srv.url}/pushy/nothing`);
    expect(notFound.status).to.equal(404);
    expect(((await notFound.json()) as any).error.code).to.equal('404');
    const wrongMethod = await fetch(triggerUrl({ baseUrl: srv.url, channel: 'room', event: 'e', secretKey: srv.secret }), { method: 'GET' });
    expect(wrongMethod.status).to.equal(405);
    expect(wrongMethod.headers.get('allow')).to.equal('POST');
  });
});
