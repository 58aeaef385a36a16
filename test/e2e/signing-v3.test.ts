import { expect } from 'chai';
import { authorizeChannel } from '../../lib/native/auth-endpoint.js';
import { historyUrlV3, signChannel, signChannelV3, signTrigger, triggerUrlV3 } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { getJson, historyUrl } from '../helpers/history.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { post, trigger, triggerV3 } from '../helpers/trigger.js';

const now = (): number => Math.floor(Date.now() / 1000);

/** The same signed query sent to another path (channel, route) or with parameters changed. */
function rewrite(url: string, change: { path?: string; set?: Record<string, string>; drop?: string[] }): string {
  const next = new URL(url);
  if (change.path !== undefined) next.pathname = change.path;
  for (const [key, value] of Object.entries(change.set ?? {})) next.searchParams.set(key, value);
  for (const key of change.drop ?? []) next.searchParams.delete(key);
  return next.toString();
}

describe('e2e: v3 signatures (every parameter signed, nothing can be re-split)', () => {
  let srv: TestServer;
  let client: TestClient;
  before(async () => {
    srv = await startServer();
    client = await TestClient.connect(srv.url, 'websocket');
    for (const channel of ['news', 'news:update', 'room', 'room:pushy']) await client.subscribe(channel);
  });
  after(async () => {
    await client.close();
    await srv.close();
  });

  it('delivers a v3 trigger and answers 201, with the v2 one still taken beside it (signing.legacy defaults to true)', async () => {
    const since = client.frames.length;
    const answer = await triggerV3(srv.url, 'News', 'story', { title: 'v3' }, { secret: srv.secret });
    expect(answer.status).to.equal(201);
    expect(answer.body).to.deep.equal({ status: { code: 201, message: 'Ok' } });
    expect((await client.next('story', () => true, 5000, since)).data).to.deep.equal({ title: 'v3' });
    expect((await trigger(srv.url, 'news', 'story', { title: 'v2' }, { secret: srv.secret })).status).to.equal(201);
  });

  it('refuses a v3 trigger signed for news/update:v2 on news:update/v2 (the v2 text of both is the same)', async () => {
    const body = '{"n":1}';
    const url = triggerUrlV3({ baseUrl: srv.url, channel: 'news', event: 'update:v2', body, secretKey: srv.secret });
    const resplit = await post(rewrite(url, { path: '/pushy/channel/news:update/trigger', set: { event: 'v2' } }), body);
    expect(resplit.status).to.equal(403);
    expect(resplit.body.error.code).to.equal('403');
    const since = client.frames.length;
    expect((await post(url, body)).status).to.equal(201);
    const delivered = await client.next('update:v2', () => true, 5000, since);
    expect(delivered.channel).to.equal('news');
    expect(client.events('v2')).to.deep.equal([]);
  });

  it('a v3 history signature is no trigger, and a v3 trigger signature is no history read', async () => {
    const history = historyUrlV3({ baseUrl: srv.url, channel: 'room', secretKey: srv.secret });
    expect((await getJson(history)).status).to.equal(200);
    for (const path of ['/pushy/channel/room/trigger', '/pushy/channel/room:pushy/trigger']) {
      const asTrigger = await post(rewrite(history, { path, set: { event: 'history' } }), '');
      expect(asTrigger.status, path).to.equal(403);
    }
    const triggerSigned = triggerUrlV3({ baseUrl: srv.url, channel: 'room', event: 'history', secretKey: srv.secret });
    const asHistory = await getJson(rewrite(triggerSigned, { path: '/pushy/channel/room/history', drop: ['event'] }));
    expect(asHistory.status).to.equal(403);
    const withEvent = await getJson(rewrite(triggerSigned, { path: '/pushy/channel/room/history' }));
    expect(withEvent.status).to.equal(403);
  });

  it('refuses a signed v3 trigger with socket_id, idempotency_key, event or body added or changed (403)', async () => {
    const body = '{"n":2}';
    const url = triggerUrlV3({ baseUrl: srv.url, channel: 'room', event: 'msg', body, secretKey: srv.secret });
    // A captured trigger replayed with socket_id=<victim> would silence the victim; v2 does not sign socket_id.
    const changes: Array<Record<string, string>> = [{ socket_id: client.socketId }, { idempotency_key: 'k' }, { event: 'other' }];
    for (const set of changes) {
      const answer = await post(rewrite(url, { set }), body);
      expect(answer.status, JSON.stringify(set)).to.equal(403);
    }
    expect((await post(url, '{"n":3}')).body.error.message).to.contain('body_sha256 does not match');
    expect((await post(rewrite(url, { drop: ['body_sha256'] }), body)).status).to.equal(403);
    const since = client.frames.length;
    expect((await post(url, body)).status).to.equal(201);
    expect((await client.next('msg', () => true, 5000, since)).data).to.deep.equal({ n: 2 });
  });

  it('excludes the signed socket_id and signs the idempotency_key', async () => {
    const other = await TestClient.connect(srv.url, 'xhr-streaming');
    await other.subscribe('room');
    const since = [client.frames.length, other.frames.length] as const;
    const first = await triggerV3(srv.url, 'room', 'echo', { n: 1 }, { secret: srv.secret, socketId: client.socketId, idempotencyKey: 'once' });
    expect(first.status).to.equal(201);
    await triggerV3(srv.url, 'room', 'echo', { n: 2 }, { secret: srv.secret });
    await other.next('echo', (f) => f.data.n === 2, 5000, since[1]);
    await client.next('echo', (f) => f.data.n === 2, 5000, since[0]);
    expect(other.frames.slice(since[1]).filter((f) => f.event === 'echo').map((f) => f.data.n)).to.deep.equal([1, 2]);
    expect(client.frames.slice(since[0]).filter((f) => f.event === 'echo').map((f) => f.data.n)).to.deep.equal([2]);
    await other.close();
  });

  it('refuses v3 parameters that could be re-split, repeated or malformed with 400 "400"', async () => {
    const url = triggerUrlV3({ baseUrl: srv.url, channel: 'room', event: 'e', secretKey: srv.secret });
    const cases = [
      rewrite(url, { set: { event: 'a&idempotency_key=k' } }),
      `${url}&EVENT=e`,
      `${url}&event=e`,
      rewrite(url, { set: { auth_version: '1.0' } }),
      rewrite(url, { set: { auth_signature: 'A'.repeat(64) } }),
      rewrite(url, { drop: ['auth_timestamp'] }),
      rewrite(url, { set: { socket_id: 'not-a-socket-id' } }),
    ];
    for (const bad of cases) {
      const answer = await post(bad, '');
      expect(answer.status, bad).to.equal(400);
      expect(answer.body.error.code).to.equal('400');
    }
    expect(() => triggerUrlV3({ baseUrl: srv.url, channel: 'room', event: 'a&b', secretKey: srv.secret })).to.throw(TypeError, /&/);
  });

  it('refuses a stale v3 timestamp with 403 "501"', async () => {
    const answer = await triggerV3(srv.url, 'room', 'e', {}, { secret: srv.secret, timestamp: now() - 601 });
    expect(answer.status).to.equal(403);
    expect(answer.body.error.code).to.equal('501');
  });

  it('takes a v3 channel auth ("v3:" + hex) only for its socket, channel and presence data', async () => {
    const other = await TestClient.connect(srv.url, 'websocket');
    const auth = signChannelV3({ socketId: client.socketId, channel: 'private-orders', secretKey: srv.secret });
    expect(auth).to.match(/^v3:[0-9a-f]{64}$/);
    expect((await other.subscribe('private-orders', { auth })).event).to.equal('pushy:subscription-failed');
    expect((await client.subscribe('private-orders:x', { auth })).event).to.equal('pushy:subscription-failed');
    expect((await client.subscribe('Private-Orders', { auth })).event).to.equal('pushy:subscription-success');
    const data = JSON.stringify({ id: 'u1', name: 'Ann' });
    const presence = signChannelV3({ socketId: other.socketId, channel: 'presence-room', presenceData: data, secretKey: srv.secret });
    const forged = await other.subscribe('presence-room', { auth: presence, data: JSON.stringify({ id: 'admin', name: 'Ann' }) });
    expect(forged.event).to.equal('pushy:subscription-failed');
    const joined = await other.subscribe('presence-room', { auth: presence, data });
    expect(joined.event).to.equal('pushy:subscription-success');
    expect(joined.data.presence[0]).to.include({ id: 'u1', name: 'Ann' });
    await other.close();
  });
});

describe('e2e: signing.legacy false takes v3 only', () => {
  let srv: TestServer;
  let client: TestClient;
  before(async () => {
    srv = await startServer({ signing: { legacy: false } });
    client = await TestClient.connect(srv.url, 'websocket');
    for (const channel of ['news', 'news:update', 'room', 'room:pushy']) await client.subscribe(channel);
  });
  after(async () => {
    await client.close();
    await srv.close();
  });

  it('refuses v1/v2 triggers with 403 "403" saying why, the re-split ones included, and takes v3', async () => {
    const v2 = await trigger(srv.url, 'news', 'story', { a: 1 }, { secret: srv.secret });
    expect(v2.status).to.equal(403);
    expect(v2.body.error).to.deep.equal({
      code: '403',
      name: 'INVALID_CREDENTIALS',
      message: 'Invalid credentials: v1/v2 signatures (auth_key) are turned off on this server (signing.legacy is false); sign with v3 (auth_signature)',
    });
    // Signed for news/update:v2, sent as news:update/v2: the same v2 text.
    const timestamp = String(now());
    const authKey = signTrigger({ channel: 'news', event: 'update:v2', timestamp, body: '', secretKey: srv.secret });
    const resplit = await post(`${srv.url}/pushy/channel/news:update/trigger?event=v2&timestamp=${timestamp}&auth_key=${authKey}`, '');
    expect(resplit.status).to.equal(403);
    expect((await triggerV3(srv.url, 'news', 'story', { a: 1 }, { secret: srv.secret })).status).to.equal(201);
  });

  it('refuses v2 history reads and a v2 history signature used as a trigger (room:pushy/history), and takes v3 reads', async () => {
    const legacyHistory = new URL(historyUrl({ baseUrl: srv.url, channel: 'room', secret: srv.secret }));
    expect((await getJson(legacyHistory.toString())).status).to.equal(403);
    const { searchParams } = legacyHistory;
    const asTrigger = `${srv.url}/pushy/channel/room:pushy/trigger?event=history&timestamp=${searchParams.get('timestamp')}&auth_key=${searchParams.get('auth_key')}`;
    expect((await post(asTrigger, '')).status).to.equal(403);
    expect((await getJson(historyUrlV3({ baseUrl: srv.url, channel: 'room', secretKey: srv.secret }))).status).to.equal(200);
  });

  it('refuses v1/v2 channel auth and takes v3, from the signing module and from the auth endpoint helper', async () => {
    const legacy = signChannel({ socketId: client.socketId, channel: 'private-a', secretKey: srv.secret });
    expect(await client.subscribe('private-a', { auth: legacy })).to.deep.equal({
      event: 'pushy:subscription-failed',
      data: { channel: 'private-a', reason: 'Invalid credentials', code: '403', name: 'INVALID_CREDENTIALS' },
    });
    const v3 = signChannelV3({ socketId: client.socketId, channel: 'private-a', secretKey: srv.secret });
    expect((await client.subscribe('private-a', { auth: v3 })).event).to.equal('pushy:subscription-success');
    const helper = authorizeChannel({ socketId: client.socketId, channel: 'presence-b', presenceData: { id: 'u2' }, secretKey: srv.secret });
    expect((await client.subscribe('presence-b', { ...helper })).event).to.equal('pushy:subscription-success');
  });
});
