import { expect } from 'chai';
import sinon from 'sinon';
import { Pushy } from 'pushy-server/client';
import { loadConfig, type DeepPartial, type PushyConfig } from '../../lib/config.js';
import { AppDirectory, createLogger, openAppStore } from '../../lib/index.js';
import { historyUrlV3, signChannelV3 } from '../../lib/signing.js';
import { TestClient, type Frame } from '../helpers/client.js';
import { getJson } from '../helpers/history.js';
import { writeCommandsFolder } from '../helpers/commands-folder.js';
import { metric, scrape } from '../helpers/metrics.js';
import { RawWsClient } from '../helpers/raw-ws.js';
import { startServer, TEST_SECRET, type TestServer } from '../helpers/server.js';
import { trigger, triggerV3 } from '../helpers/trigger.js';

/**
 * The native protocol per app on one node: sockets name their app by URL
 * (`/pushy/app/<key>/socket`), backends trigger and read history on `/pushy/app/<id>/...` with
 * that app's secret, and two apps using the same channel names never see each other's events,
 * members, history or idempotency keys. The default app keeps the old URLs.
 */

const HOUR = 3600_000;

const APPS = [
  { id: 'alpha', key: 'alpha-key', secret: 'alpha-secret' },
  { id: 'beta', key: 'beta-key', secret: 'beta-secret' },
  { id: 'off', key: 'off-key', secret: 'off-secret', enabled: false },
  { id: 'tiny', key: 'tiny-key', secret: 'tiny-secret', maxConnections: 1 },
  { id: 'slow', key: 'slow-key', secret: 'slow-secret', limits: { backendEventsPerSecond: 2, maxTriggerBodyBytes: 64 } },
  { id: 'narrow', key: 'narrow-key', secret: 'narrow-secret', limits: { maxChannelsPerConnection: 1, maxPresenceMembers: 1, maxFrameBytes: 200 } },
  {
    id: 'rotated',
    keys: [
      { key: 'rot-gone', secret: 'gone-secret', expiresAt: new Date(Date.now() - HOUR).toISOString() },
      { key: 'rot-old', secret: 'old-secret', expiresAt: new Date(Date.now() + HOUR).toISOString() },
      { key: 'rot-new', secret: 'new-secret' },
    ],
  },
];

const appSocket = (key: string): string => `/pushy/app/${key}/socket`;

/** Connects a test client to an app's endpoint (or the default one). */
const connect = (srv: TestServer, key?: string, transport?: 'websocket' | 'xhr-streaming' | 'xhr-polling'): Promise<TestClient> =>
  TestClient.connect(srv.url, transport, key === undefined ? undefined : appSocket(key));

/**
 * Resolves with the close a socket opened at an app key's endpoint gets, and the names of the
 * `pushy:error` frames before it; rejects when the socket is let in (`pushy:connect`).
 */
async function refusedClose(srv: TestServer, key: string): Promise<{ code: number; reason: string; errors: string[] }> {
  const { default: SockJS } = await import('sockjs-client');
  const errors: string[] = [];
  return new Promise((resolve, reject) => {
    const sock = new SockJS(srv.url + appSocket(key), undefined, { transports: ['websocket'] });
    sock.onmessage = (message: { data: string }) => {
      const frame = JSON.parse(message.data) as Frame;
      if (frame.event === 'pushy:error') errors.push(frame.data.name);
      else reject(new Error(`socket was let in: ${message.data}`));
    };
    sock.onclose = (event: { code: number; reason: string }) => resolve({ code: event.code, reason: event.reason, errors });
  });
}

describe('e2e: apps over the native protocol (one node)', () => {
  let srv: TestServer;
  const open: TestClient[] = [];
  const client = async (key?: string, transport?: 'websocket' | 'xhr-streaming' | 'xhr-polling'): Promise<TestClient> => {
    const made = await connect(srv, key, transport);
    open.push(made);
    return made;
  };

  before(async () => {
    srv = await startServer({ apps: APPS } as unknown as DeepPartial<PushyConfig>);
  });
  afterEach(async () => {
    sinon.restore();
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await srv.close();
  });

  it('exposes the app directory on the server: the default app (secretKey) and the configured ones', () => {
    const { apps } = srv.server;
    expect(apps.list().map((app) => app.id)).to.deep.equal(['default', ...APPS.map((app) => app.id)]);
    expect(apps.defaultApp.keys[0]!.secret).to.equal(srv.secret);
    expect(apps.getByKey('alpha-key')?.id).to.equal('alpha');
  });

  for (const transport of ['websocket', 'xhr-streaming'] as const) {
    it(`keeps events in their app over ${transport}: same channel name, three apps, nothing crosses`, async () => {
      const [alpha, beta, plain] = await Promise.all([client('alpha-key', transport), client('beta-key', transport), client(undefined, transport)]);
      for (const c of [alpha, beta, plain]) expect((await c.subscribe('news')).event).to.equal('pushy:subscription-success');

      expect((await triggerV3(srv.url, 'news', 'for-alpha', { n: 1 }, { secret: 'alpha-secret', app: 'alpha' })).status).to.equal(201);
      expect((await trigger(srv.url, 'news', 'for-beta', { n: 2 }, { secret: 'beta-secret', app: 'beta' })).status).to.equal(201);
      expect((await triggerV3(srv.url, 'news', 'for-default', { n: 3 }, { secret: srv.secret })).status).to.equal(201);

      const got = async (c: TestClient, event: string): Promise<Frame> => c.next(event, (f) => f.channel === 'news');
      expect((await got(alpha, 'for-alpha')).data).to.deep.equal({ n: 1 });
      expect((await got(beta, 'for-beta')).data).to.deep.equal({ n: 2 });
      expect((await got(plain, 'for-default')).data).to.deep.equal({ n: 3 });
      // Each client got its own event; the others, published before it, never arrived.
      const names = (c: TestClient): string[] => c.frames.filter((f) => f.channel === 'news' && !f.event.startsWith('pushy:')).map((f) => f.event);
      expect(names(alpha)).to.deep.equal(['for-alpha']);
      expect(names(beta)).to.deep.equal(['for-beta']);
      expect(names(plain)).to.deep.equal(['for-default']);
    });
  }

  it('serves the app endpoint on the raw WebSocket endpoint and over xhr-polling too', async () => {
    const raw = await RawWsClient.connect(srv.url, 'raw', {}, appSocket('alpha-key'));
    const polling = await client('beta-key', 'xhr-polling');
    try {
      raw.send({ command: 'subscribe', data: { channel: 'wire' } });
      await raw.next('pushy:subscription-success');
      await polling.subscribe('wire');
      await triggerV3(srv.url, 'wire', 'to-alpha', {}, { secret: 'alpha-secret', app: 'alpha' });
      await triggerV3(srv.url, 'wire', 'to-beta', {}, { secret: 'beta-secret', app: 'beta' });
      await raw.next('to-alpha');
      await polling.next('to-beta');
      await triggerV3(srv.url, 'wire', 'marker', {}, { secret: 'alpha-secret', app: 'alpha' });
      await raw.next('marker');
      expect(raw.frames.map((f) => f.event)).not.to.include('to-beta');
      expect(polling.events('to-alpha')).to.deep.equal([]);
    } finally {
      raw.ws.close();
    }
  });

  it('counts subscribers per app: a trigger answers 200 when only another app has subscribers', async () => {
    const alpha = await client('alpha-key');
    await alpha.subscribe('lonely');
    expect((await triggerV3(srv.url, 'lonely', 'e', {}, { secret: 'beta-secret', app: 'beta' })).status).to.equal(200);
    expect((await triggerV3(srv.url, 'lonely', 'e', {}, { secret: 'alpha-secret', app: 'alpha' })).status).to.equal(201);
  });

  it("refuses a trigger signed with another app's secret, an unknown app and a disabled one", async () => {
    const wrong = await triggerV3(srv.url, 'news', 'e', {}, { secret: 'beta-secret', app: 'alpha' });
    expect([wrong.status, wrong.body.error.name]).to.deep.equal([403, 'INVALID_CREDENTIALS']);
    const defaultSecret = await trigger(srv.url, 'news', 'e', {}, { secret: srv.secret, app: 'alpha' });
    expect([defaultSecret.status, defaultSecret.body.error.name]).to.deep.equal([403, 'INVALID_CREDENTIALS']);
    // An app's secret does not sign for the default app either.
    const onDefault = await triggerV3(srv.url, 'news', 'e', {}, { secret: 'alpha-secret' });
    expect(onDefault.status).to.equal(403);
    const unknown = await triggerV3(srv.url, 'news', 'e', {}, { secret: 'x-secret', app: 'nobody' });
    expect([unknown.status, unknown.body.error.name]).to.deep.equal([404, 'APP_NOT_FOUND']);
    const disabled = await triggerV3(srv.url, 'news', 'e', {}, { secret: 'off-secret', app: 'off' });
    expect([disabled.status, disabled.body.error.name]).to.deep.equal([403, 'APP_DISABLED']);
  });

  it('refuses a socket with an unknown key (4404) or of a disabled app (4403) with an error frame and a close, before pushy:connect', async () => {
    expect(await refusedClose(srv, 'nobody-key')).to.deep.equal({ code: 4404, reason: 'Unknown app key', errors: ['APP_NOT_FOUND'] });
    expect(await refusedClose(srv, 'off-key')).to.deep.equal({ code: 4403, reason: 'App is disabled', errors: ['APP_DISABLED'] });
  });

  it("signs private and presence channels with the connection's app secret, and keeps members per app", async () => {
    const [alpha, beta] = await Promise.all([client('alpha-key'), client('beta-key')]);
    const presenceData = (id: string): string => JSON.stringify({ id });
    // The default app's secret does not open an app's private channel.
    const refused = await alpha.subscribe('private-room', { auth: signChannelV3({ socketId: alpha.socketId, channel: 'private-room', secretKey: srv.secret }) });
    expect(refused.event).to.equal('pushy:subscription-failed');

    const join = (c: TestClient, secretKey: string, id: string): Promise<Frame> =>
      c.subscribe('presence-room', { auth: signChannelV3({ socketId: c.socketId, channel: 'presence-room', presenceData: presenceData(id), secretKey }), data: presenceData(id) });
    const alphaJoin = await join(alpha, 'alpha-secret', 'ann');
    expect(alphaJoin.event).to.equal('pushy:subscription-success');
    const betaJoin = await join(beta, 'beta-secret', 'bob');
    expect(betaJoin.event).to.equal('pushy:subscription-success');
    expect(betaJoin.data.presence.map((m: { id: string }) => m.id)).to.deep.equal(['bob']);
    expect(alphaJoin.data.presence.map((m: { id: string }) => m.id)).to.deep.equal(['ann']);

    // A second alpha member is announced to alpha only.
    const alpha2 = await client('alpha-key');
    const since = alpha.frames.length;
    await join(alpha2, 'alpha-secret', 'carol');
    await alpha.next('pushy:presence-add', (f) => f.data.member.id === 'carol', 8000, since);
    expect((await srv.server.channels.members('presence-room', 'alpha')).map((m) => m.id).sort()).to.deep.equal(['ann', 'carol']);
    expect((await srv.server.channels.members('presence-room', 'beta')).map((m) => m.id)).to.deep.equal(['bob']);
    expect(beta.events('pushy:presence-add')).to.have.length(0);
  });

  it("keeps history per app: each app's history endpoint reads its own events only", async () => {
    await triggerV3(srv.url, 'log', 'a1', { app: 'alpha' }, { secret: 'alpha-secret', app: 'alpha' });
    await triggerV3(srv.url, 'log', 'b1', { app: 'beta' }, { secret: 'beta-secret', app: 'beta' });
    await triggerV3(srv.url, 'log', 'b2', { app: 'beta' }, { secret: 'beta-secret', app: 'beta' });
    const read = async (app: string | undefined, secretKey: string): Promise<string[]> => {
      const answer = await getJson(historyUrlV3({ baseUrl: srv.url, channel: 'log', secretKey, app }));
      expect(answer.status).to.equal(200);
      return answer.body.events.map((e: { event: string }) => e.event);
    };
    expect(await read('alpha', 'alpha-secret')).to.deep.equal(['a1']);
    expect(await read('beta', 'beta-secret')).to.deep.equal(['b1', 'b2']);
    expect(await read(undefined, srv.secret)).to.deep.equal([]);
    const wrong = await getJson(historyUrlV3({ baseUrl: srv.url, channel: 'log', secretKey: 'alpha-secret', app: 'beta' }));
    expect(wrong.status).to.equal(403);
  });

  it('keeps idempotency keys per app: the same key in two apps publishes in both', async () => {
    const [alpha, beta] = await Promise.all([client('alpha-key'), client('beta-key')]);
    await alpha.subscribe('orders');
    await beta.subscribe('orders');
    const first = await triggerV3(srv.url, 'orders', 'placed', { n: 1 }, { secret: 'alpha-secret', app: 'alpha', idempotencyKey: 'order-1' });
    const other = await triggerV3(srv.url, 'orders', 'placed', { n: 2 }, { secret: 'beta-secret', app: 'beta', idempotencyKey: 'order-1' });
    expect([first.status, other.status]).to.deep.equal([201, 201]);
    await alpha.next('placed');
    await beta.next('placed');
    // A retry in alpha is a repeat there: answered, not published again.
    const again = await triggerV3(srv.url, 'orders', 'placed', { n: 1 }, { secret: 'alpha-secret', app: 'alpha', idempotencyKey: 'order-1' });
    expect(again.status).to.equal(201);
    await triggerV3(srv.url, 'orders', 'marker', {}, { secret: 'alpha-secret', app: 'alpha' });
    await alpha.next('marker');
    expect(alpha.events('placed')).to.have.length(1);
  });

  it('takes every live secret of a rotated app and refuses an expired pair, on triggers and sockets', async () => {
    for (const secret of ['new-secret', 'old-secret']) {
      expect((await triggerV3(srv.url, 'news', 'e', {}, { secret, app: 'rotated' })).status).to.equal(200);
    }
    const expired = await triggerV3(srv.url, 'news', 'e', {}, { secret: 'gone-secret', app: 'rotated' });
    expect([expired.status, expired.body.error.name]).to.deep.equal([403, 'INVALID_CREDENTIALS']);
    const viaOld = await client('rot-old');
    const viaNew = await client('rot-new');
    await viaOld.subscribe('news');
    await viaNew.subscribe('news');
    await triggerV3(srv.url, 'news', 'rotated-event', {}, { secret: 'new-secret', app: 'rotated' });
    // Both keys reach the same app.
    await viaOld.next('rotated-event');
    await viaNew.next('rotated-event');
    expect(await refusedClose(srv, 'rot-gone')).to.deep.equal({ code: 4401, reason: 'App key has expired', errors: ['APP_KEY_EXPIRED'] });
  });

  it("closes a socket over its app's maxConnections (4431) while other apps still connect", async () => {
    await client('tiny-key');
    expect(await refusedClose(srv, 'tiny-key')).to.deep.equal({ code: 4431, reason: 'Too many connections for this app', errors: ['APP_TOO_MANY_CONNECTIONS'] });
    await client('alpha-key');
    // The place is given back when the socket closes.
    await open.shift()!.close();
    await client('tiny-key');
  });

  it("refuses an app's backend events over its rate (429 APP_RATE_LIMITED) and its large bodies (413), not another app's", async () => {
    // A frozen clock: the allowance does not refill during the test, however slow the machine.
    sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    const send = (app: string, secret: string) => triggerV3(srv.url, 'news', 'e', { n: 1 }, { secret, app });
    expect((await send('slow', 'slow-secret')).status).to.equal(200);
    expect((await send('slow', 'slow-secret')).status).to.equal(200);
    const over = await send('slow', 'slow-secret');
    expect([over.status, over.body.error.name]).to.deep.equal([429, 'APP_RATE_LIMITED']);
    for (let i = 0; i < 5; i += 1) expect((await send('beta', 'beta-secret')).status).to.equal(200);
    sinon.clock.tick(1000);
    expect((await send('slow', 'slow-secret')).status).to.equal(200);

    const big = { text: 'x'.repeat(100) };
    const tooLarge = await triggerV3(srv.url, 'news', 'e', big, { secret: 'slow-secret', app: 'slow' });
    expect([tooLarge.status, tooLarge.body.error.name]).to.deep.equal([413, 'BODY_TOO_LARGE']);
    expect((await triggerV3(srv.url, 'news', 'e', big, { secret: 'beta-secret', app: 'beta' })).status).to.equal(200);
  });

  it("applies an app's channel, presence and frame limits to its own connections only", async () => {
    const [narrow, wide] = await Promise.all([client('narrow-key'), client('beta-key')]);
    expect((await narrow.subscribe('one')).event).to.equal('pushy:subscription-success');
    const over = await narrow.subscribe('two');
    expect([over.event, over.data.name]).to.deep.equal(['pushy:error', 'TOO_MANY_SUBSCRIPTIONS']);
    expect((await wide.subscribe('one')).event).to.equal('pushy:subscription-success');
    expect((await wide.subscribe('two')).event).to.equal('pushy:subscription-success');

    const join = (c: TestClient, secretKey: string, id: string): Promise<Frame> => {
      const data = JSON.stringify({ id });
      return c.subscribe('presence-hall', { auth: signChannelV3({ socketId: c.socketId, channel: 'presence-hall', presenceData: data, secretKey }), data });
    };
    const [n1, n2, w1, w2] = await Promise.all([client('narrow-key'), client('narrow-key'), client('beta-key'), client('beta-key')]);
    expect((await join(n1, 'narrow-secret', 'n1')).event).to.equal('pushy:subscription-success');
    const full = await join(n2, 'narrow-secret', 'n2');
    expect([full.event, full.data.name]).to.deep.equal(['pushy:error', 'PRESENCE_CHANNEL_FULL']);
    expect((await join(w1, 'beta-secret', 'w1')).event).to.equal('pushy:subscription-success');
    expect((await join(w2, 'beta-secret', 'w2')).event).to.equal('pushy:subscription-success');

    // A frame over the app's maxFrameBytes (the global one is far larger).
    const padded = { channel: 'padded', pad: 'x'.repeat(300) };
    const [n3, w3] = await Promise.all([client('narrow-key'), client('beta-key')]);
    const tooLarge = await n3.request('subscribe', padded, 'pushy:error');
    expect(tooLarge.data.name).to.equal('FRAME_TOO_LARGE');
    expect((await w3.subscribe('padded', { pad: padded.pad })).event).to.equal('pushy:subscription-success');
  });

  it('counts each refusal of an app limit in the metrics, with the app label', async () => {
    // The two tests before refused one tiny socket and one slow trigger.
    const samples = await scrape(`${srv.url}/metrics`);
    expect(metric(samples, 'pushy_app_refusals_total', { app: 'tiny', name: 'APP_TOO_MANY_CONNECTIONS' })).to.be.at.least(1);
    expect(metric(samples, 'pushy_app_refusals_total', { app: 'slow', name: 'APP_RATE_LIMITED' })).to.be.at.least(1);
    expect(metric(samples, 'pushy_app_refusals_total', { app: 'beta', name: 'APP_RATE_LIMITED' })).to.equal(undefined);
    for (const name of ['TOO_MANY_SUBSCRIPTIONS', 'PRESENCE_CHANNEL_FULL', 'FRAME_TOO_LARGE']) {
      expect(metric(samples, 'pushy_app_refusals_total', { app: 'narrow', name }), name).to.equal(1);
    }
    await client('alpha-key');
    expect(metric(await scrape(`${srv.url}/metrics`), 'pushy_app_connections', { app: 'alpha' })).to.equal(1);
  });

  it('connects the browser client to its app with the `app` option', async () => {
    const pushy = new Pushy(srv.url, { app: 'alpha-key', transports: ['websocket'] });
    try {
      expect(pushy.url).to.equal(`${srv.url}/pushy/app/alpha-key/socket`);
      const channel = pushy.channel('news');
      const subscribed = new Promise<void>((resolve) => channel.bind('pushy:subscription-success', () => resolve()));
      channel.subscribe();
      await subscribed;
      const received = new Promise<unknown>((resolve) => channel.bind('from-alpha', resolve));
      expect((await triggerV3(srv.url, 'news', 'from-alpha', { ok: true }, { secret: 'alpha-secret', app: 'alpha' })).status).to.equal(201);
      expect(await received).to.deep.equal({ ok: true });
    } finally {
      pushy.disconnect();
    }
  });
});

describe('e2e: apps behind sockjs.allowedOrigins', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ apps: APPS, sockjs: { allowedOrigins: ['https://shop.example'] } } as unknown as DeepPartial<PushyConfig>);
  });
  after(async () => {
    await srv.close();
  });

  it("checks the origin on an app's socket endpoint as on the default one", async () => {
    for (const path of ['/pushy/socket/info', `${appSocket('alpha-key')}/info`]) {
      const refused = await fetch(srv.url + path, { headers: { origin: 'https://evil.example' } });
      expect(refused.status, path).to.equal(403);
      const allowed = await fetch(srv.url + path, { headers: { origin: 'https://shop.example' } });
      expect(allowed.status, path).to.equal(200);
    }
  });
});

describe('e2e: custom commands publish in their connection\'s app', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ apps: APPS, commandsDir: writeCommandsFolder() } as unknown as DeepPartial<PushyConfig>);
  });
  after(async () => {
    await srv.close();
  });

  it("delivers a command's publish to its own app's subscribers, never to another app's channel of that name", async () => {
    const [shouter, alpha, beta] = await Promise.all([connect(srv, 'alpha-key'), connect(srv, 'alpha-key'), connect(srv, 'beta-key')]);
    try {
      await alpha.subscribe('hall');
      await beta.subscribe('hall');
      shouter.command('shout', { channel: 'hall', text: 'hi' }, 'r1');
      const reply = await shouter.next('pushy:reply', (f) => f.data.id === 'r1');
      expect(reply.data.result).to.deep.equal({ nodes: 1 });
      expect((await alpha.next('shouted')).data).to.deep.equal({ text: 'HI' });
      await triggerV3(srv.url, 'hall', 'marker', {}, { secret: 'beta-secret', app: 'beta' });
      await beta.next('marker');
      expect(beta.events('shouted')).to.deep.equal([]);
    } finally {
      await Promise.all([shouter, alpha, beta].map((c) => c.close()));
    }
  });
});

describe("e2e: an embedder's own app directory", () => {
  it('serves the directory it is given (server.apps), not one of the config', async () => {
    const config = loadConfig({ env: {}, overrides: { apps: [{ id: 'own', key: 'own-key', secret: 'own-secret' }] } as unknown as DeepPartial<PushyConfig> });
    const apps = new AppDirectory({ store: await openAppStore(config.apps, createLogger('silent')), secretKey: TEST_SECRET });
    const srv = await startServer({}, { apps });
    try {
      expect(srv.server.apps).to.equal(apps);
      const own = await connect(srv, 'own-key');
      await own.subscribe('news');
      expect((await triggerV3(srv.url, 'news', 'mine', {}, { secret: 'own-secret', app: 'own' })).status).to.equal(201);
      await own.next('mine');
      await own.close();
    } finally {
      await srv.close();
      await apps.store.close();
    }
  });
});
