import { expect } from 'chai';
import { connected, type Pusher, pusherApps, pusherClient, pusherSdk, PUSHER_APP } from '../helpers/pusher.js';
import { RawPusherClient } from '../helpers/pusher-raw.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { metric, scrape } from '../helpers/metrics.js';

describe('Pusher endpoint: connection', function () {
  this.timeout(15_000);
  let server: TestServer;
  const clients: Pusher[] = [];
  const raws: RawPusherClient[] = [];

  before(async () => {
    server = await startServer({ ...pusherApps(), apps: [{ ...PUSHER_APP }, { id: 'off', key: 'off-key', secret: 'off-secret', enabled: false }] } as never);
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
    for (const raw of raws.splice(0)) raw.close();
  });
  after(() => server.close());

  it('pusher-js connects and gets an N.N socket id and activity timeout 120', async () => {
    const client = pusherClient(server);
    clients.push(client);
    const socketId = await connected(client);
    expect(socketId).to.match(/^\d+\.\d+$/);
    const raw = RawPusherClient.open(server.url, PUSHER_APP.key);
    raws.push(raw);
    const frame = await raw.next('pusher:connection_established');
    expect(JSON.parse(frame.data as string)).to.include({ activity_timeout: 120 });
  });

  it('counts Pusher connections in the metrics beside native ones, by transport', async () => {
    const client = pusherClient(server);
    clients.push(client);
    await connected(client);
    const samples = await scrape(`${server.url}/metrics`);
    expect(metric(samples, 'pushy_connections', { transport: 'pusher-websocket' })).to.be.at.least(1);
  });

  it('answers pusher:ping with pusher:pong (an object)', async () => {
    const { client } = await RawPusherClient.connect(server.url, PUSHER_APP.key);
    raws.push(client);
    client.send({ event: 'pusher:ping', data: {} });
    expect((await client.next('pusher:pong')).data).to.deep.equal({});
  });

  it('refuses an unknown key with pusher:error 4001 and close 4001', async () => {
    const raw = RawPusherClient.open(server.url, 'nope');
    raws.push(raw);
    const error = await raw.next('pusher:error');
    expect(error.data).to.deep.include({ code: 4001 });
    expect((await raw.whenClosed()).code).to.equal(4001);
  });

  it('pusher-js with a wrong key does not reconnect-loop', async () => {
    const client = pusherClient(server, { key: 'nope' });
    clients.push(client);
    const states: string[] = [];
    client.connection.bind('state_change', ({ current }: { current: string }) => states.push(current));
    // A 4000-4099 refusal is final for pusher-js: it stops in a state it does not leave by itself.
    await new Promise<void>((resolve) =>
      client.connection.bind('state_change', ({ current }: { current: string }) => {
        if (current === 'failed' || current === 'disconnected') resolve();
      }),
    );
    expect(states).to.not.include('connecting');
  });

  it('refuses a disabled app with 4003', async () => {
    const raw = RawPusherClient.open(server.url, 'off-key');
    raws.push(raw);
    expect((await raw.whenClosed()).code).to.equal(4003);
  });

  it('refuses a missing protocol with 4008 and an unsupported one with 4007', async () => {
    const none = RawPusherClient.open(server.url, PUSHER_APP.key, 'client=js');
    const old = RawPusherClient.open(server.url, PUSHER_APP.key, 'protocol=3');
    raws.push(none, old);
    expect((await none.whenClosed()).code).to.equal(4008);
    expect((await old.whenClosed()).code).to.equal(4007);
  });

  it('refuses an app over its maxConnections with 4004 and a full node with 4100', async () => {
    const quota = await startServer({ limits: { maxConnections: 2 }, apps: [{ id: 'one', key: 'one-key', secret: 'one-secret', maxConnections: 1 }, { ...PUSHER_APP }] } as never);
    try {
      const { client: first } = await RawPusherClient.connect(quota.url, 'one-key');
      raws.push(first);
      const second = RawPusherClient.open(quota.url, 'one-key');
      raws.push(second);
      expect((await second.whenClosed()).code).to.equal(4004);
      const { client: other } = await RawPusherClient.connect(quota.url, PUSHER_APP.key);
      raws.push(other);
      const third = RawPusherClient.open(quota.url, PUSHER_APP.key);
      raws.push(third);
      expect((await third.whenClosed()).code).to.equal(4100);
    } finally {
      await quota.close();
    }
  });

  it('closes Pusher sockets with 4200 on shutdown (pusher-js reconnects at once, elsewhere)', async () => {
    const own = await startServer(pusherApps() as never);
    const { client } = await RawPusherClient.connect(own.url, PUSHER_APP.key);
    raws.push(client);
    const closing = own.close();
    expect((await client.whenClosed()).code).to.equal(4200);
    await closing;
  });

  it('answers a bad frame with pusher:error and stays open', async () => {
    const { client } = await RawPusherClient.connect(server.url, PUSHER_APP.key);
    raws.push(client);
    client.send('not json');
    expect((await client.next('pusher:error')).data).to.deep.include({ code: null });
    client.send({ event: 'pusher:ping', data: {} });
    await client.next('pusher:pong');
  });
});

describe('Pusher endpoint: HTTP fallbacks', function () {
  this.timeout(20_000);
  let server: TestServer;
  const clients: Pusher[] = [];

  before(async () => {
    server = await startServer(pusherApps() as never);
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
  });
  after(() => server.close());

  for (const transport of ['xhr_streaming', 'xhr_polling'] as const) {
    it(`pusher-js over ${transport} subscribes, receives an event and a presence member`, async () => {
      const client = pusherClient(server, { transports: [transport], user: { user_id: 'x1' } });
      clients.push(client);
      const socketId = await connected(client);
      expect(socketId).to.match(/^\d+\.\d+$/);
      const data = await new Promise<unknown>((resolve, reject) => {
        const channel = client.subscribe('presence-fallback');
        channel.bind('pusher:subscription_error', reject);
        channel.bind('pusher:subscription_succeeded', () => {
          channel.bind('news', resolve);
          void server.server.channels.publish({ type: 'event', app: PUSHER_APP.id, channel: 'presence-fallback', event: 'news', data: '{"via":"http"}' });
        });
      });
      expect(data).to.deep.equal({ via: 'http' });
      expect((await server.server.channels.members('presence-fallback', PUSHER_APP.id)).map((member) => member.id)).to.deep.equal(['x1']);
    });

    it(`pusher-js over ${transport} gets the server's close code: 4009 (terminated) and no reconnect`, async () => {
      const client = pusherClient(server, { transports: [transport], userData: { id: `t-${transport}` } });
      clients.push(client);
      await connected(client);
      const states: string[] = [];
      client.connection.bind('state_change', (change: { current: string }) => states.push(change.current));
      const errors: unknown[] = [];
      client.connection.bind('error', (error: unknown) => errors.push(error));
      client.signin();
      const sdk = pusherSdk(server);
      // Until the sign-in is in place, there is no signed-in socket to close.
      for (let attempt = 0; !states.includes('disconnected') && attempt < 50; attempt += 1) {
        expect((await sdk.terminateUserConnections(`t-${transport}`)).status).to.equal(200);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(states).to.include('disconnected');
      expect(JSON.stringify(errors)).to.contain('4009');
      // 4000-4099: pusher-js must not come back.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(states).to.not.include('connecting');
      expect(client.connection.state).to.equal('disconnected');
    });
  }
});
