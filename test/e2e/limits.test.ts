import { expect } from 'chai';
import sinon from 'sinon';
import { ConfigError, loadConfig } from '../../lib/config.js';
import { CLOSES } from '../../lib/errors.js';
import { signChannel } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { getJson, historyUrl } from '../helpers/history.js';
import { RawWsClient } from '../helpers/raw-ws.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

/** Proves a server still serves: a fresh subscriber on a fresh channel gets a triggered event. */
async function stillServes(srv: TestServer, client?: TestClient | RawWsClient, channel = 'alive'): Promise<void> {
  const probe = client ?? (await TestClient.connect(srv.url, 'websocket'));
  if (probe instanceof TestClient) {
    expect((await probe.subscribe(channel)).event).to.equal('pushy:subscription-success');
  } else {
    probe.send({ command: 'subscribe', data: { channel } });
    await probe.next('pushy:subscription-success', (f) => f.data.channel === channel);
  }
  const answer = await trigger(srv.url, channel, 'ping', { ok: true }, { secret: srv.secret });
  expect(answer.status).to.equal(201);
  await probe.next('ping');
  if (!client) await (probe as TestClient).close();
}

describe('e2e: limits', () => {
  describe('maxConnections', () => {
    let srv: TestServer;
    before(async () => {
      srv = await startServer({ limits: { maxConnections: 2 } });
    });
    after(() => srv.close());

    it('closes a connection past the limit with 4503 and keeps serving the others', async () => {
      const a = await RawWsClient.connect(srv.url);
      const b = await TestClient.connect(srv.url, 'xhr-streaming');
      const extra = RawWsClient.open(srv.url, 'framed');
      expect(await extra.closed()).to.deep.equal({ code: CLOSES.TOO_MANY_CONNECTIONS.code, reason: CLOSES.TOO_MANY_CONNECTIONS.reason });
      expect(extra.events('pushy:connect')).to.have.length(0);
      await stillServes(srv, a, 'conn-a');
      await stillServes(srv, b, 'conn-b');
      await a.close();
      await waitFor(() => srv.server.sockjs.connections.size === 1);
      const c = await RawWsClient.connect(srv.url);
      await stillServes(srv, c, 'conn-c');
      await Promise.all([b.close(), c.close()]);
    });
  });

  describe('maxConnectionsPerIp', () => {
    let srv: TestServer;
    before(async () => {
      srv = await startServer({ limits: { maxConnectionsPerIp: 2 } });
    });
    after(() => srv.close());

    it('closes a connection past the limit of its address with 4429; other addresses and the others go on', async () => {
      const a = await RawWsClient.connect(srv.url);
      const b = await TestClient.connect(srv.url, 'xhr-streaming');
      const extra = RawWsClient.open(srv.url, 'framed');
      expect(await extra.closed()).to.deep.equal({ code: CLOSES.TOO_MANY_CONNECTIONS_FROM_ADDRESS.code, reason: CLOSES.TOO_MANY_CONNECTIONS_FROM_ADDRESS.reason });
      expect(extra.events('pushy:connect')).to.have.length(0);
      const rawExtra = RawWsClient.open(srv.url, 'raw');
      expect((await rawExtra.closed()).code).to.equal(CLOSES.TOO_MANY_CONNECTIONS_FROM_ADDRESS.code);
      // Another address of this machine has its own count.
      const elsewhere = await RawWsClient.connect(srv.url, 'raw', { localAddress: '127.0.0.2' });
      await stillServes(srv, elsewhere, 'ip-elsewhere');
      await stillServes(srv, a, 'ip-a');
      await stillServes(srv, b, 'ip-b');
      // A closed connection gives its place back.
      await a.close();
      await waitFor(() => srv.server.sockjs.connections.size === 2);
      const c = await RawWsClient.connect(srv.url);
      await stillServes(srv, c, 'ip-c');
      await Promise.all([b.close(), c.close(), elsewhere.close()]);
    });
  });

  describe('maxChannelsPerConnection', () => {
    let srv: TestServer;
    before(async () => {
      srv = await startServer({ limits: { maxChannelsPerConnection: 3 } });
    });
    after(() => srv.close());

    it('refuses the subscription past the limit with 429; the others keep working', async () => {
      const client = await TestClient.connect(srv.url, 'websocket');
      for (const n of [1, 2, 3]) expect((await client.subscribe(`ch-${n}`)).event).to.equal('pushy:subscription-success');
      const refused = await client.subscribe('ch-4');
      expect(refused.event).to.equal('pushy:error');
      expect(refused.data).to.deep.equal({ code: '429', name: 'TOO_MANY_SUBSCRIPTIONS', message: 'Too many subscriptions on this connection' });
      await trigger(srv.url, 'ch-2', 'news', { n: 2 }, { secret: srv.secret });
      await client.next('news', (f) => f.channel === 'ch-2');
      expect((await trigger(srv.url, 'ch-4', 'news', {}, { secret: srv.secret })).status).to.equal(200);
      await client.close();
      await stillServes(srv);
    });
  });

  describe('framesPerSecond, frameBurst and maxRejectedFrames', () => {
    let srv: TestServer;
    let clock: sinon.SinonFakeTimers;
    beforeEach(async () => {
      // Only the clock the token bucket reads is fake: sockets and their timers stay real.
      clock = sinon.useFakeTimers({ toFake: ['Date'], now: Date.now() });
      srv = await startServer({ limits: { framesPerSecond: 2, frameBurst: 5, maxRejectedFrames: 3 } });
    });
    afterEach(async () => {
      await srv.close();
      clock.restore();
    });

    it('answers frames over the burst with 429 and refills at the rate', async () => {
      const client = await RawWsClient.connect(srv.url, 'framed');
      const frames = Array.from({ length: 7 }, (_, n) => ({ command: 'subscribe', data: { channel: `burst-${n}` } }));
      client.send(...frames);
      await client.next('pushy:error');
      await client.next('pushy:subscription-success', (f) => f.data.channel === 'burst-4');
      const errors = client.events('pushy:error');
      expect(errors.map((f) => f.data)).to.deep.equal([
        { code: '429', name: 'RATE_LIMITED', message: 'Too many frames' },
        { code: '429', name: 'RATE_LIMITED', message: 'Too many frames' },
      ]);
      expect(client.events('pushy:subscription-success')).to.have.length(5);
      clock.tick(1000); // two frames' worth of tokens
      client.send({ command: 'subscribe', data: { channel: 'after-1' } }, { command: 'subscribe', data: { channel: 'after-2' } });
      await client.next('pushy:subscription-success', (f) => f.data.channel === 'after-2');
      expect(client.events('pushy:error')).to.have.length(2);
      await client.close();
    });

    it('closes a client that keeps flooding with 4029; another client on the server is not affected', async () => {
      const calm = await TestClient.connect(srv.url, 'websocket');
      expect((await calm.subscribe('calm')).event).to.equal('pushy:subscription-success');
      const flooder = await RawWsClient.connect(srv.url, 'framed');
      flooder.send(...Array.from({ length: 20 }, () => ({ command: 'unsubscribe', data: { channel: 'nothing' } })));
      expect(await flooder.closed()).to.deep.equal({ code: CLOSES.FLOODING.code, reason: CLOSES.FLOODING.reason });
      // 5 handled (404 each), 3 refusals tolerated, then the close.
      expect(flooder.events('pushy:error').filter((f) => f.data.code === '429')).to.have.length(3);
      await trigger(srv.url, 'calm', 'still-here', {}, { secret: srv.secret });
      await calm.next('still-here');
      await calm.close();
    });
  });

  describe('maxQueuedFrames', () => {
    let srv: TestServer;
    before(async () => {
      srv = await startServer({ limits: { maxQueuedFrames: 3, frameBurst: 1000, framesPerSecond: 1000 } });
    });
    after(() => srv.close());

    it('refuses frames past the queue bound with 429 and handles the queued ones in order', async () => {
      const client = await RawWsClient.connect(srv.url, 'framed');
      client.send(...Array.from({ length: 6 }, (_, n) => ({ command: 'subscribe', data: { channel: `q-${n}` }, id: n })));
      await client.next('pushy:reply', (f) => f.data.id === 2);
      const refused = client.events('pushy:error');
      expect(refused.map((f) => f.data)).to.deep.equal(Array(3).fill({ code: '429', name: 'TOO_MANY_QUEUED_FRAMES', message: 'Too many frames waiting to be handled' }));
      expect(client.events('pushy:reply').map((f) => f.data.id)).to.deep.equal([0, 1, 2]);
      await stillServes(srv, client, 'q-later');
      await client.close();
    });
  });

  describe('maxFrameBytes, maxPresenceDataBytes, maxPresenceMembers, maxTriggerBodyBytes, maxChannelNameLength', () => {
    let srv: TestServer;
    before(async () => {
      srv = await startServer({
        limits: { maxFrameBytes: 1024, maxPresenceDataBytes: 64, maxPresenceMembers: 2, maxTriggerBodyBytes: 512, maxChannelNameLength: 10 },
      });
    });
    after(() => srv.close());

    const presence = (client: TestClient, channel: string, data: string): Promise<unknown> =>
      client.subscribe(channel, { auth: signChannel({ socketId: client.socketId, channel, presenceData: data, secretKey: srv.secret }), data });

    it('refuses a frame over maxFrameBytes with 413', async () => {
      const client = await TestClient.connect(srv.url, 'websocket');
      const since = client.frames.length;
      client.command('subscribe', { channel: 'big', pad: 'x'.repeat(2000) });
      const error = await client.next('pushy:error', () => true, 8000, since);
      expect(error.data).to.deep.equal({ code: '413', name: 'FRAME_TOO_LARGE', message: 'Frame too large' });
      await stillServes(srv, client, 'small');
      await client.close();
    });

    it('refuses presence data over maxPresenceDataBytes with 413', async () => {
      const client = await TestClient.connect(srv.url, 'websocket');
      const refused = (await presence(client, 'presence-a', JSON.stringify({ id: 1, name: 'é'.repeat(40) }))) as { event: string; data: unknown };
      expect(refused.event).to.equal('pushy:error');
      expect(refused.data).to.deep.equal({ code: '413', name: 'PRESENCE_DATA_TOO_LARGE', message: 'Presence data larger than 64 bytes' });
      const ok = (await presence(client, 'presence-a', JSON.stringify({ id: 1 }))) as { event: string };
      expect(ok.event).to.equal('pushy:subscription-success');
      await client.close();
    });

    it('refuses a member past maxPresenceMembers with 429 and tells nobody about it', async () => {
      const [a, b, c] = await Promise.all([1, 2, 3].map(() => TestClient.connect(srv.url, 'websocket')));
      expect(((await presence(a!, 'presence-b', '{"id":"a"}')) as { event: string }).event).to.equal('pushy:subscription-success');
      expect(((await presence(b!, 'presence-b', '{"id":"b"}')) as { event: string }).event).to.equal('pushy:subscription-success');
      const refused = (await presence(c!, 'presence-b', '{"id":"c"}')) as { event: string; data: unknown };
      expect(refused.event).to.equal('pushy:error');
      expect(refused.data).to.deep.equal({ code: '429', name: 'PRESENCE_CHANNEL_FULL', message: 'Presence channel is full (2 members)' });
      // A second connection of a member already in is not a new member.
      expect(((await presence(c!, 'presence-b', '{"id":"a"}')) as { event: string }).event).to.equal('pushy:subscription-success');
      expect((await srv.server.channels.members('presence-b')).map((m) => m.id)).to.have.members(['a', 'b']);
      await trigger(srv.url, 'presence-b', 'hello', {}, { secret: srv.secret });
      await Promise.all([a!.next('hello'), b!.next('hello'), c!.next('hello')]);
      expect(a!.events('pushy:presence-add').map((f) => f.data.member.id)).to.deep.equal(['b']);
      await Promise.all([a!.close(), b!.close(), c!.close()]);
    });

    it('refuses a trigger body over maxTriggerBodyBytes with HTTP 413', async () => {
      const answer = await trigger(srv.url, 'body', 'big', { pad: 'x'.repeat(600) }, { secret: srv.secret });
      expect(answer.status).to.equal(413);
      expect(answer.body).to.deep.equal({ error: { code: '413', name: 'BODY_TOO_LARGE', message: 'Request body too large' } });
      await stillServes(srv);
    });

    it('refuses channel names over maxChannelNameLength: 300 on subscribe, HTTP 400 on trigger and history', async () => {
      const client = await TestClient.connect(srv.url, 'websocket');
      const refused = await client.subscribe('elevenchars');
      expect(refused.event).to.equal('pushy:error');
      expect(refused.data).to.deep.equal({ code: '300', name: 'INVALID_CHANNEL', message: 'Channel name longer than 10 characters' });
      const answer = await trigger(srv.url, 'elevenchars', 'x', {}, { secret: srv.secret });
      expect(answer.status).to.equal(400);
      expect(answer.body.error.code).to.equal('400');
      const history = await getJson(historyUrl({ baseUrl: srv.url, channel: 'elevenchars', secret: srv.secret }));
      expect(history.status).to.equal(400);
      expect(history.body.error.code).to.equal('400');
      expect((await getJson(historyUrl({ baseUrl: srv.url, channel: 'tenchars10', secret: srv.secret }))).status).to.equal(200);
      expect((await client.subscribe('tenchars10')).event).to.equal('pushy:subscription-success');
      await client.close();
    });
  });

  it('refuses a maxChannelNameLength above the protocol maximum of 200', () => {
    expect(() => loadConfig({ env: {}, overrides: { limits: { maxChannelNameLength: 201 } } })).to.throw(ConfigError, /maxChannelNameLength/);
  });
});

/** Waits for a condition that a server-side event makes true (checked on every turn of the loop). */
async function waitFor(condition: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
