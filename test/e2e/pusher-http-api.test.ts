import { expect } from 'chai';
import sinon from 'sinon';
import { toApp } from '../../lib/apps/app.js';
import { signChannel } from '../../lib/signing.js';
import { TestClient, type Frame } from '../helpers/client.js';
import { pusherSdk, sdkStatus, signedApiRequest, type ApiApp } from '../helpers/pusher-api.js';
import { startServer, TEST_SECRET, type TestServer } from '../helpers/server.js';

const SHOP: ApiApp = { id: '3', key: 'shop-key', secret: 'shop-secret' };
const OFF: ApiApp = { id: '4', key: 'off-key', secret: 'off-secret' };
const SLOW: ApiApp = { id: '5', key: 'slow-key', secret: 'slow-secret' };
/** The native protocol's default app: native clients subscribe there, so they see its events. */
const DEFAULT: ApiApp = { id: 'default', key: 'default', secret: TEST_SECRET };

/**
 * The Pusher HTTP API driven by the unmodified `pusher` Node SDK 5 against a real server;
 * events published to the default app reach real native (SockJS) clients.
 */
describe('e2e: Pusher HTTP API', function () {
  this.timeout(20000);
  let srv: TestServer;
  const clients: TestClient[] = [];

  before(async () => {
    srv = await startServer({
      apps: {
        list: [
          toApp({ id: SHOP.id, key: SHOP.key, secret: SHOP.secret }),
          toApp({ id: OFF.id, key: OFF.key, secret: OFF.secret, enabled: false }),
          toApp({ id: SLOW.id, key: SLOW.key, secret: SLOW.secret, limits: { apiRequestsPerSecond: 2 } }),
        ],
      },
    });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await srv.close();
  });

  const connect = async (...channels: string[]): Promise<TestClient> => {
    const client = await TestClient.connect(srv.url, 'websocket');
    clients.push(client);
    for (const channel of channels) expect((await client.subscribe(channel)).event).to.equal('pushy:subscription-success');
    return client;
  };
  const join = async (channel: string, id: string): Promise<TestClient> => {
    const client = await connect();
    const data = JSON.stringify({ id });
    const auth = signChannel({ socketId: client.socketId, channel, presenceData: data, secretKey: srv.secret });
    expect((await client.subscribe(channel, { auth, data })).event).to.equal('pushy:subscription-success');
    return client;
  };
  const textOf = (client: TestClient, frame: Frame): string => client.texts[client.frames.indexOf(frame)]!;

  describe('publishing', () => {
    it('triggers on one channel; the data string arrives byte for byte', async () => {
      const client = await connect('orders');
      const data = '{"id":12345678901234567890,"note":"caf\\u00e9 / ok"}';
      const response = await pusherSdk(srv.url, DEFAULT).trigger('orders', 'order-created', data);
      expect(response.status).to.equal(200);
      expect(await response.json()).to.deep.equal({});
      const frame = await client.next('order-created');
      expect(frame.data).to.equal(data);
      expect(textOf(client, frame)).to.include(`"data":${JSON.stringify(data)}`);
    });

    it('triggers an object as the SDK encodes it, to several channels at once', async () => {
      const a = await connect('multi-a');
      const b = await connect('multi-b');
      await pusherSdk(srv.url, DEFAULT).trigger(['multi-a', 'multi-b'], 'news', { text: 'hello' });
      expect((await a.next('news')).data).to.equal('{"text":"hello"}');
      expect((await b.next('news')).data).to.equal('{"text":"hello"}');
    });

    it('leaves out the socket_id given; takes Pusher socket ids from the SDK', async () => {
      const sender = await connect('exclude-me');
      const other = await connect('exclude-me');
      const body = JSON.stringify({ name: 'ping', data: '1', channels: ['exclude-me'], socket_id: sender.socketId });
      const answer = await signedApiRequest(srv.url, DEFAULT, { method: 'POST', path: '/apps/default/events', body });
      expect(answer.status, answer.text).to.equal(200);
      await other.next('ping');
      // A later event reaches the sender, so the first one would have come before it.
      await pusherSdk(srv.url, DEFAULT).trigger('exclude-me', 'pong', '2', { socket_id: '123.456' });
      await sender.next('pong');
      expect(sender.frames.filter((f) => f.event === 'ping')).to.deep.equal([]);
      const badId = JSON.stringify({ name: 'x', data: '1', channel: 'a', socket_id: 'nope' });
      expect((await signedApiRequest(srv.url, DEFAULT, { method: 'POST', path: '/apps/default/events', body: badId })).status).to.equal(400);
    });

    it('answers info attributes: subscription_count, and user_count on presence channels', async () => {
      await connect('info-public');
      await connect('info-public');
      await join('presence-info', 'u1');
      await join('presence-info', 'u2');
      await join('presence-info', 'u2');
      const response = await pusherSdk(srv.url, DEFAULT).trigger(['info-public', 'presence-info'], 'e', 'x', { info: 'user_count,subscription_count' });
      expect(await response.json()).to.deep.equal({
        channels: { 'info-public': { subscription_count: 2 }, 'presence-info': { user_count: 2, subscription_count: 3 } },
      });
    });

    it('triggers a batch, with info answered index for index', async () => {
      const client = await connect('batch-a', 'batch-b');
      const sdk = pusherSdk(srv.url, DEFAULT);
      const plain = await sdk.triggerBatch([
        { channel: 'batch-a', name: 'one', data: '1' },
        { channel: 'batch-b', name: 'two', data: { n: 2 } },
      ]);
      expect(await plain.json()).to.deep.equal({});
      expect((await client.next('one')).data).to.equal('1');
      expect((await client.next('two')).data).to.equal('{"n":2}');
      const withInfo = await sdk.triggerBatch([
        { channel: 'batch-a', name: 'three', data: '3', info: 'subscription_count' },
        { channel: 'batch-b', name: 'four', data: '4' },
      ]);
      expect(await withInfo.json()).to.deep.equal({ batch: [{ subscription_count: 1 }, {}] });
    });

    it("takes the SDK's sendToUser (an event to #server-to-user-<id>)", async () => {
      expect(await sdkStatus(pusherSdk(srv.url, SHOP).sendToUser('42', 'note', { text: 'hi' }))).to.equal(200);
    });

    it('keeps apps apart: an event of another app does not reach the default app', async () => {
      const client = await connect('shared-name');
      await pusherSdk(srv.url, SHOP).trigger('shared-name', 'shop-event', 'x');
      await pusherSdk(srv.url, DEFAULT).trigger('shared-name', 'default-event', 'y');
      await client.next('default-event');
      expect(client.frames.filter((f) => f.event === 'shop-event')).to.deep.equal([]);
    });
  });

  describe('queries', () => {
    it('lists occupied channels, by prefix, with user_count for presence', async () => {
      await connect('list-one');
      await join('presence-list', 'ann');
      const sdk = pusherSdk(srv.url, DEFAULT);
      const all = (await (await sdk.get({ path: '/channels' })).json()) as { channels: Record<string, unknown> };
      expect(all.channels).to.include.keys('list-one', 'presence-list');
      expect(all.channels['list-one']).to.deep.equal({});
      const presence = await (await sdk.get({ path: '/channels', params: { filter_by_prefix: 'presence-list', info: 'user_count' } })).json();
      expect(presence).to.deep.equal({ channels: { 'presence-list': { user_count: 1 } } });
      expect(await sdkStatus(sdk.get({ path: '/channels', params: { info: 'user_count' } }))).to.equal(400);
      expect(await sdkStatus(sdk.get({ path: '/channels', params: { filter_by_prefix: 'list-', info: 'user_count' } }))).to.equal(400);
    });

    it('describes one channel; attributes that do not apply are 400', async () => {
      await connect('one-channel');
      await join('presence-one', 'bob');
      const sdk = pusherSdk(srv.url, DEFAULT);
      expect(await (await sdk.get({ path: '/channels/one-channel', params: { info: 'subscription_count' } })).json()).to.deep.equal({ occupied: true, subscription_count: 1 });
      expect(await (await sdk.get({ path: '/channels/presence-one', params: { info: 'user_count,subscription_count' } })).json()).to.deep.equal({
        occupied: true,
        user_count: 1,
        subscription_count: 1,
      });
      expect(await (await sdk.get({ path: '/channels/nobody-here' })).json()).to.deep.equal({ occupied: false });
      expect(await sdkStatus(sdk.get({ path: '/channels/one-channel', params: { info: 'user_count' } }))).to.equal(400);
      expect(await sdkStatus(sdk.get({ path: '/channels/one-channel', params: { info: 'cache' } }))).to.equal(400);
      expect(await sdkStatus(sdk.get({ path: '/channels/one-channel', params: { info: 'bogus' } }))).to.equal(400);
    });

    it("answers info=cache with a cache channel's last event data and its ttl, none before one or once expired", async () => {
      // Only Date is faked: history ages its events by it, and the SDK signs with it (the server's clock too).
      const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
      try {
        const sdk = pusherSdk(srv.url, DEFAULT);
        const info = async (channel: string, attributes: string): Promise<unknown> => (await sdk.get({ path: `/channels/${channel}`, params: { info: attributes } })).json();
        expect(await info('cache-prices', 'cache')).to.deep.equal({ occupied: false });
        await sdk.trigger('cache-prices', 'price', '{"eur":1}');
        const data = '{"eur":12345678901234567890}';
        await sdk.trigger('cache-prices', 'price', data);
        // history.ttl (default 300 s) is the cache's time to live.
        expect(await info('cache-prices', 'cache')).to.deep.equal({ occupied: false, cache: { data, ttl: 300 } });
        clock.tick(100_500);
        expect(await info('cache-prices', 'cache')).to.deep.equal({ occupied: false, cache: { data, ttl: 200 } });
        // With the other attributes, on a subscribed presence cache channel; an object the SDK encoded.
        await join('presence-cache-room', 'ann');
        await sdk.trigger('presence-cache-room', 'state', { n: 1 });
        expect(await info('presence-cache-room', 'user_count,subscription_count,cache')).to.deep.equal({
          occupied: true,
          user_count: 1,
          subscription_count: 1,
          cache: { data: '{"n":1}', ttl: 300 },
        });
        clock.tick(200_000);
        expect(await info('cache-prices', 'cache')).to.deep.equal({ occupied: false });
        // Without info=cache no cache attribute; each app its own cache.
        expect(await info('presence-cache-room', 'subscription_count')).to.deep.equal({ occupied: true, subscription_count: 1 });
        expect(await (await pusherSdk(srv.url, SHOP).get({ path: '/channels/presence-cache-room', params: { info: 'cache' } })).json()).to.deep.equal({ occupied: false });
        expect(await sdkStatus(sdk.get({ path: '/channels/private-prices', params: { info: 'cache' } }))).to.equal(400);
      } finally {
        clock.restore();
      }
    });

    it('lists the users of a presence channel, each once; other channels are 400', async () => {
      await join('presence-users', 'carl');
      await join('presence-users', 'dana');
      await join('presence-users', 'dana');
      const sdk = pusherSdk(srv.url, DEFAULT);
      const body = (await (await sdk.get({ path: '/channels/presence-users/users' })).json()) as { users: Array<{ id: string }> };
      expect(body.users.map((u) => u.id).sort()).to.deep.equal(['carl', 'dana']);
      expect(await sdkStatus(sdk.get({ path: '/channels/public-users/users' }))).to.equal(400);
    });
  });

  describe('refusals', () => {
    const post = (app: ApiApp, body: unknown, extra: { timestamp?: number; sentBody?: string; path?: string } = {}) =>
      signedApiRequest(srv.url, app, { method: 'POST', path: extra.path ?? `/apps/${app.id}/events`, body: JSON.stringify(body), ...extra });
    const event = { name: 'e', data: '{}', channel: 'refused' };

    it('answers 401 for a wrong secret, a stale timestamp, a bad body_md5, an unknown key', async () => {
      expect(await sdkStatus(pusherSdk(srv.url, { ...SHOP, secret: 'wrong-secret' }).trigger('c', 'e', 'x'))).to.equal(401);
      const stale = await post(SHOP, event, { timestamp: Math.floor(Date.now() / 1000) - 601 });
      expect([stale.status, stale.body.error.message]).to.deep.equal([401, 'Timestamp expired: auth_timestamp must be within 600 s of the server clock']);
      // Signed over one body, another sent.
      const md5 = await post(SHOP, event, { sentBody: JSON.stringify({ ...event, data: '{"changed":true}' }) });
      expect([md5.status, md5.body.error.name]).to.deep.equal([401, 'API_UNAUTHORIZED']);
      expect(md5.body.error.message).to.match(/body_md5/);
      expect(await sdkStatus(pusherSdk(srv.url, { ...SHOP, key: 'other-key' }).trigger('c', 'e', 'x'))).to.equal(401);
      // A key of another app does not sign for this one.
      expect((await post({ ...DEFAULT, id: SHOP.id }, event)).status).to.equal(401);
    });

    it('refuses a replayed request', async () => {
      const body = JSON.stringify(event);
      const timestamp = Math.floor(Date.now() / 1000);
      const first = await signedApiRequest(srv.url, SHOP, { method: 'POST', path: '/apps/3/events', body, timestamp });
      expect(first.status).to.equal(200);
      const again = await signedApiRequest(srv.url, SHOP, { method: 'POST', path: '/apps/3/events', body, timestamp });
      expect([again.status, again.body.error.name]).to.deep.equal([409, 'SIGNATURE_REPLAYED']);
    });

    it('answers 404 for an unknown app and 403 for a disabled one', async () => {
      expect(await sdkStatus(pusherSdk(srv.url, { ...SHOP, id: '999' }).trigger('c', 'e', 'x'))).to.equal(404);
      expect(await sdkStatus(pusherSdk(srv.url, OFF).trigger('c', 'e', 'x'))).to.equal(403);
    });

    it('holds the limits: 20 KB data 413, 101 channels 400, a batch of 11 400, a 201-character name 400', async () => {
      const sdk = pusherSdk(srv.url, SHOP);
      expect(await sdkStatus(sdk.trigger('c', 'e', 'x'.repeat(20 * 1024)))).to.equal(413);
      expect(await sdkStatus(sdk.trigger('c', 'e', 'x'.repeat(10 * 1024)))).to.equal(200);
      const channels = Array.from({ length: 101 }, (_, i) => `c${i}`);
      expect(await sdkStatus(post(SHOP, { name: 'e', data: 'x', channels }))).to.equal(400);
      expect(await sdkStatus(sdk.trigger(channels.slice(0, 100), 'e', 'x'))).to.equal(200);
      const batch = Array.from({ length: 11 }, (_, i) => ({ channel: `b${i}`, name: 'e', data: 'x' }));
      expect(await sdkStatus(sdk.triggerBatch(batch))).to.equal(400);
      expect(await sdkStatus(sdk.triggerBatch(batch.slice(0, 10)))).to.equal(200);
      expect(await sdkStatus(post(SHOP, { name: 'n'.repeat(201), data: 'x', channel: 'c' }))).to.equal(400);
      expect(await sdkStatus(post(SHOP, { name: 'pusher:fake', data: 'x', channel: 'c' }))).to.equal(400);
      expect(await sdkStatus(post(SHOP, { name: 'e', data: { not: 'a string' }, channel: 'c' }))).to.equal(400);
      expect(await sdkStatus(post(SHOP, { name: 'e', data: 'x', channel: 'bad name!' }))).to.equal(400);
    });

    it('answers 429 past the requests per second of the app', async () => {
      // A frozen clock: the bucket does not refill while the test runs.
      const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
      try {
        const sdk = pusherSdk(srv.url, SLOW);
        expect(await sdkStatus(sdk.trigger('c', 'e', '1'))).to.equal(200);
        expect(await sdkStatus(sdk.trigger('c', 'e', '2'))).to.equal(200);
        expect(await sdkStatus(sdk.trigger('c', 'e', '3'))).to.equal(429);
        // Another app is not slowed down by this one, nor this one's budget used by unsigned requests.
        expect(await sdkStatus(pusherSdk(srv.url, SHOP).trigger('c', 'e', '4'))).to.equal(200);
        clock.tick(1000);
        for (let i = 0; i < 3; i += 1) expect(await sdkStatus(pusherSdk(srv.url, { ...SLOW, secret: 'guessed' }).trigger('c', 'e', 'x'))).to.equal(401);
        expect(await sdkStatus(sdk.trigger('c', 'e', '4b'))).to.equal(200);
        clock.tick(1000);
        expect(await sdkStatus(sdk.trigger('c', 'e', '5'))).to.equal(200);
      } finally {
        clock.restore();
      }
    });

    it('answers hostile requests with clear errors and keeps serving', async () => {
      const base = `${srv.url}/apps/3/events`;
      const cases: Array<[string, RequestInit, number]> = [
        [`${base}`, { method: 'POST', body: '{}' }, 401],
        [`${base}?auth_key=shop-key&auth_timestamp=1&auth_version=1.0&auth_signature=zz`, { method: 'POST', body: '{}' }, 400],
        [`${base}?auth_key=shop-key&auth_key=shop-key&auth_timestamp=1&auth_version=1.0&auth_signature=${'a'.repeat(64)}`, { method: 'POST' }, 400],
        [`${base}?auth_key=shop-key`, { method: 'POST', body: 'x'.repeat(200 * 1024) }, 413],
        [`${srv.url}/apps/${'9'.repeat(65)}/events`, { method: 'POST' }, 404],
        [`${srv.url}/apps/3/events`, { method: 'GET' }, 405],
      ];
      for (const [url, init, status] of cases) expect((await fetch(url, init)).status, url.slice(0, 120)).to.equal(status);
      const deep = JSON.stringify({ name: 'e', channel: 'c', data: 'x', extra: JSON.parse('['.repeat(100) + ']'.repeat(100)) });
      expect((await signedApiRequest(srv.url, SHOP, { method: 'POST', path: '/apps/3/events', body: deep })).status).to.equal(400);
      expect((await signedApiRequest(srv.url, SHOP, { method: 'GET', path: '/apps/3/channels/%E0%A4%A' })).status).to.equal(400);
      expect(await sdkStatus(pusherSdk(srv.url, SHOP).trigger('c', 'e', 'still here'))).to.equal(200);
    });

    it('answers 400 for a body that is not JSON, and keeps serving', async () => {
      const answer = await signedApiRequest(srv.url, SHOP, { method: 'POST', path: '/apps/3/events', body: '{"name":' });
      expect(answer.status).to.equal(400);
      expect(await sdkStatus(pusherSdk(srv.url, SHOP).trigger('c', 'e', 'ok'))).to.equal(200);
    });
  });
});
