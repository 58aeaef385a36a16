import { expect } from 'chai';
import { connected, nextEvent, pusherApps, pusherClient, pusherSdk, subscribed, PUSHER_APP, type Pusher } from '../helpers/pusher.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * The whole Pusher stack as an app uses it: the unmodified `pusher` server SDK publishes and
 * queries over the HTTP API, and unmodified pusher-js clients, authorized by that SDK, receive.
 */
describe('Pusher SDK and pusher-js together', function () {
  this.timeout(20_000);
  let server: TestServer;
  const clients: Pusher[] = [];
  const client = (options: Parameters<typeof pusherClient>[1] = {}): Pusher => {
    const made = pusherClient(server, options);
    clients.push(made);
    return made;
  };

  before(async () => {
    server = await startServer(pusherApps() as never);
  });
  afterEach(() => {
    for (const made of clients.splice(0)) made.disconnect();
  });
  after(() => server.close());

  it('trigger (one and several channels, socket_id exclusion) reaches pusher-js clients with the data as given', async () => {
    const sdk = pusherSdk(server);
    const [a, b] = [client(), client()];
    await Promise.all([subscribed(a, 'news'), subscribed(b, 'news'), subscribed(b, 'private-orders')]);
    const bSocket = await connected(b);
    const atA = nextEvent(a, 'news', 'story');
    const atB = nextEvent(b, 'private-orders', 'paid');
    expect((await sdk.trigger(['news', 'private-orders'], 'story', { n: 1 })).status).to.equal(200);
    expect((await atA).data).to.deep.equal({ n: 1 });
    // The multi-channel trigger sent `story`, not `paid`: b's next one on private-orders comes now.
    await sdk.trigger('private-orders', 'paid', { amount: '12345678901234567890' });
    expect((await atB).data).to.deep.equal({ amount: '12345678901234567890' });
    // Excluded: b does not get its own echo, a does.
    let bGot = false;
    b.channel('news').bind('echo', () => (bGot = true));
    const echoAtA = nextEvent(a, 'news', 'echo');
    await sdk.trigger('news', 'echo', 'plain text', { socket_id: bSocket });
    expect((await echoAtA).data).to.equal('plain text');
    expect(bGot).to.equal(false);
  });

  it('triggerBatch, channel info and presence users agree with what the clients did', async () => {
    const sdk = pusherSdk(server);
    const [ann, bob] = [client({ user: { user_id: 'ann', user_info: { name: 'Ann' } } }), client({ user: { user_id: 'bob' } })];
    await Promise.all([subscribed(ann, 'presence-room'), subscribed(bob, 'presence-room')]);
    const atAnn = nextEvent(ann, 'presence-room', 'second');
    await sdk.triggerBatch([
      { channel: 'presence-room', name: 'first', data: '1' },
      { channel: 'presence-room', name: 'second', data: '2' },
    ]);
    expect((await atAnn).data).to.equal(2);
    const users = (await (await sdk.get({ path: '/channels/presence-room/users' })).json()) as { users: Array<{ id: string }> };
    expect(users.users.map((user) => user.id).sort()).to.deep.equal(['ann', 'bob']);
    const info = (await (await sdk.get({ path: '/channels/presence-room', params: { info: 'user_count' } })).json()) as { occupied: boolean; user_count: number };
    expect(info).to.include({ occupied: true, user_count: 2 });
    const list = (await (await sdk.get({ path: '/channels', params: { filter_by_prefix: 'presence-', info: 'user_count' } })).json()) as { channels: Record<string, { user_count: number }> };
    expect(list.channels['presence-room']).to.deep.equal({ user_count: 2 });
  });

  it('sendToUser reaches a signed-in pusher-js client; terminateUserConnections closes its sockets', async () => {
    const sdk = pusherSdk(server);
    const user = client({ userData: { id: 'u42' } });
    await connected(user);
    const received = new Promise<unknown>((resolve) => user.user.bind('greeting', resolve));
    user.signin();
    // pusher-js subscribes to #server-to-user-u42 once signed in: send until it is in place.
    let got: unknown;
    void received.then((data) => (got = data));
    const deadline = Date.now() + 10_000;
    // Each send differs: an identical signed request within the window is refused as a replay.
    for (let attempt = 0; got === undefined && Date.now() < deadline; attempt += 1) {
      await sdk.sendToUser('u42', 'greeting', { hello: 'u42', attempt });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(got).to.include({ hello: 'u42' });
    const closed = new Promise<void>((resolve) => user.connection.bind('state_change', (change: { current: string }) => change.current !== 'connected' && resolve()));
    expect((await sdk.terminateUserConnections('u42')).status).to.equal(200);
    await closed;
  });

  it('refuses a request signed with another secret (401) and for an unknown app (404)', async () => {
    const { port } = new URL(server.url);
    const Wrong = (await import('pusher')).default;
    const wrong = new Wrong({ appId: PUSHER_APP.id, key: PUSHER_APP.key, secret: 'not-the-secret', host: '127.0.0.1', port, useTLS: false });
    const status = (error: unknown): number => (error as { status?: number }).status ?? 0;
    expect(await wrong.trigger('news', 'e', {}).then(() => 200, status)).to.equal(401);
    const unknown = new Wrong({ appId: 'no-such-app', key: PUSHER_APP.key, secret: PUSHER_APP.secret, host: '127.0.0.1', port, useTLS: false });
    expect(await unknown.trigger('news', 'e', {}).then(() => 200, status)).to.equal(404);
  });
});
