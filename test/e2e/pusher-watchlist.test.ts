import { expect } from 'chai';
import { pusherApps, pusherClient, pusherSdk, subscribed, PUSHER_APP, type Pusher } from '../helpers/pusher.js';
import { RawPusherClient } from '../helpers/pusher-raw.js';
import { signedIn, watchlistSeen } from '../helpers/pusher-watchlist.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';
import { pusherAuth } from '../../lib/pusher/signatures.js';
import { WATCHLIST_CHANNEL } from '../../lib/pusher/watchlist.js';

/** Pusher watchlists (`pusher.user.watchlist`) seen by unmodified pusher-js clients of one node. */
describe('Pusher endpoint: watchlist online and offline events', function () {
  this.timeout(20_000);
  let server: TestServer;
  let receiver: WebhookReceiver;
  const clients: Pusher[] = [];
  const raws: RawPusherClient[] = [];

  const client = (userData: { id: string; watchlist?: string[] }): Pusher => {
    const made = pusherClient(server, { userData });
    clients.push(made);
    return made;
  };
  /** Signed-in sockets of the app on this node: each is a subscriber of the watchlist channel. */
  const signedInSockets = (): number => server.server.channels.localSubscriberCount(WATCHLIST_CHANNEL, PUSHER_APP.id);

  before(async () => {
    receiver = await WebhookReceiver.start();
    // A presence cap of 1 and two channels per connection: the watchlist channel must be under neither.
    const apps = pusherApps({ enableWatchlistEvents: true, webhooks: [{ url: receiver.url() }] });
    server = await startServer({ ...apps, limits: { maxPresenceMembers: 1, maxChannelsPerConnection: 2 }, webhooks: { batchDelay: 10, removalDelay: 50 } } as never);
  });
  afterEach(async () => {
    for (const made of clients.splice(0)) made.disconnect();
    for (const made of raws.splice(0)) made.close();
    await waitUntil(() => signedInSockets() === 0, 5000, 'every signed-in socket gone');
  });
  after(async () => {
    await server.close();
    await receiver.close();
  });

  it("tells a watcher when a watched user's first socket signs in and when its last one goes, not in between", async () => {
    const a = client({ id: 'a', watchlist: ['u2', 'u3'] });
    const seen = watchlistSeen(a);
    await signedIn(a, 'a');
    expect(seen.events).to.deep.equal([]);

    const b = client({ id: 'u2' });
    await signedIn(b, 'u2');
    await seen.until(1);
    expect(seen.events).to.deep.equal([{ name: 'online', user_ids: ['u2'] }]);

    // A second socket of u2: u2 was online already. u3's sign-in after it shows nothing came in between.
    const c = client({ id: 'u2' });
    await signedIn(c, 'u2');
    const d = client({ id: 'u3' });
    await signedIn(d, 'u3');
    await seen.until(2);
    expect(seen.events).to.deep.equal([
      { name: 'online', user_ids: ['u2'] },
      { name: 'online', user_ids: ['u3'] },
    ]);

    // u2's first socket goes: still online through the other one.
    b.disconnect();
    await waitUntil(() => signedInSockets() === 3, 5000, "u2's first socket gone");
    d.disconnect();
    await seen.until(3);
    c.disconnect();
    await seen.until(4);
    expect(seen.events).to.deep.equal([
      { name: 'online', user_ids: ['u2'] },
      { name: 'online', user_ids: ['u3'] },
      { name: 'offline', user_ids: ['u3'] },
      { name: 'offline', user_ids: ['u2'] },
    ]);
    // Past the channel cap of 2 with its user channel and the watchlist one: only client channels count.
    await subscribed(a, 'news');
  });

  it('sends, right after sign-in, one online event with the watched users online now, as a JSON string pusher-js parses', async () => {
    const u2 = client({ id: 'u2' });
    await signedIn(u2, 'u2');
    const a = client({ id: 'a', watchlist: ['u2', 'u9'] });
    const seen = watchlistSeen(a);
    await signedIn(a, 'a');
    await seen.until(1);
    expect(seen.events).to.deep.equal([{ name: 'online', user_ids: ['u2'] }]);

    const { client: wire, socketId } = await RawPusherClient.connect(server.url, PUSHER_APP.key);
    raws.push(wire);
    const userData = JSON.stringify({ id: 'raw', watchlist: ['u2'] });
    wire.send({ event: 'pusher:signin', data: { auth: pusherAuth(PUSHER_APP.key, PUSHER_APP.secret, `${socketId}::user::${userData}`), user_data: userData } });
    await wire.next('pusher:signin_success');
    const frame = await wire.next('pusher_internal:watchlist_events');
    expect(frame).to.deep.equal({ event: 'pusher_internal:watchlist_events', data: '{"events":[{"name":"online","user_ids":["u2"]}]}' });
  });

  it('refuses a sign-in whose watchlist has more than 100 ids with pusher:error 4302, and the socket stays open', async () => {
    const a = client({ id: 'a', watchlist: Array.from({ length: 101 }, (_, i) => `w${i}`) });
    const error = new Promise<{ code: number; message: string }>((resolve) => a.connection.bind('error', (event: { data?: { code: number; message: string } }) => event.data && resolve(event.data)));
    a.signin();
    expect((await error).code).to.equal(4302);
    expect(a.connection.state).to.equal('connected');
    expect(a.user.user_data).to.equal(null);
    expect(signedInSockets()).to.equal(0);

    const b = client({ id: 'b', watchlist: Array.from({ length: 100 }, (_, i) => `w${i}`) });
    await signedIn(b, 'b');
  });

  it('keeps the watchlist channel from clients, the HTTP API and webhooks', async () => {
    const a = client({ id: 'a', watchlist: ['u2'] });
    await signedIn(a, 'a');
    const { client: wire } = await RawPusherClient.connect(server.url, PUSHER_APP.key);
    raws.push(wire);
    wire.send({ event: 'pusher:subscribe', data: { channel: WATCHLIST_CHANNEL, auth: '' } });
    expect(((await wire.next('pusher:subscription_error', WATCHLIST_CHANNEL)).data as { status: number }).status).to.equal(400);

    await subscribed(a, 'news');
    const sdk = pusherSdk(server);
    const listed = (await (await sdk.get({ path: '/channels' })).json()) as { channels: Record<string, unknown> };
    expect(Object.keys(listed.channels)).to.include('news').and.not.include(WATCHLIST_CHANNEL);
    const info = await sdk.get({ path: `/channels/${encodeURIComponent(WATCHLIST_CHANNEL)}` }).then(
      (response) => response.status,
      (error: { status: number }) => error.status,
    );
    expect(info).to.equal(400);

    await receiver.waitFor(() => receiver.delivered().some((event) => event.name === 'channel_occupied' && event.channel === 'news'));
    expect(receiver.delivered().filter((event) => String(event.channel).startsWith('#internal-'))).to.deep.equal([]);
  });
});

describe('Pusher endpoint: watchlists of an app without enableWatchlistEvents', function () {
  this.timeout(20_000);
  let server: TestServer;
  const clients: Pusher[] = [];

  before(async () => {
    server = await startServer(pusherApps() as never);
  });
  after(async () => {
    for (const made of clients.splice(0)) made.disconnect();
    await server.close();
  });

  it('tracks nobody online and sends no watchlist event (a long watchlist is not even read)', async () => {
    const a = pusherClient(server, { userData: { id: 'a', watchlist: Array.from({ length: 101 }, (_, i) => `u${i}`) } });
    const u2 = pusherClient(server, { userData: { id: 'u2' } });
    clients.push(a, u2);
    const seen = watchlistSeen(a);
    await signedIn(a, 'a');
    await signedIn(u2, 'u2');
    // Both signed in: their user channels are in place, and neither joined the watchlist presence.
    await waitUntil(() => server.server.channels.localSubscriberCount('#server-to-user-u2', PUSHER_APP.id) === 1, 5000, 'u2 signed in');
    expect(server.server.channels.localSubscriberCount(WATCHLIST_CHANNEL, PUSHER_APP.id)).to.equal(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen.events).to.deep.equal([]);
  });
});
