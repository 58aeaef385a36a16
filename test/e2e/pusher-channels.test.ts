import { expect } from 'chai';
import { connected, nextEvent, pusherApps, pusherClient, pusherSdk, subscribed, PUSHER_APP, type Pusher } from '../helpers/pusher.js';
import { RawPusherClient } from '../helpers/pusher-raw.js';
import { TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { pusherAuth } from '../../lib/pusher/signatures.js';

describe('Pusher endpoint: channels, client events, users', function () {
  this.timeout(15_000);
  let server: TestServer;
  const clients: Pusher[] = [];
  const raws: RawPusherClient[] = [];

  /** Publishes like an HTTP trigger does, through the channel core (into history, to every node). */
  const publish = (channel: string, event: string, data: unknown): Promise<number> =>
    server.server.channels.publish({ type: 'event', app: PUSHER_APP.id, channel, event, data });
  const client = (options: Parameters<typeof pusherClient>[1] = {}): Pusher => {
    const made = pusherClient(server, options);
    clients.push(made);
    return made;
  };
  const raw = async (): Promise<{ client: RawPusherClient; socketId: string }> => {
    const opened = await RawPusherClient.connect(server.url, PUSHER_APP.key);
    raws.push(opened.client);
    return opened;
  };

  before(async () => {
    server = await startServer(pusherApps({ enableClientEvents: true, enableSubscriptionCount: true }) as never);
  });
  afterEach(() => {
    for (const made of clients.splice(0)) made.disconnect();
    for (const made of raws.splice(0)) made.close();
  });
  after(() => server.close());

  it('delivers an event on a public channel with its data string as given', async () => {
    const a = client();
    await subscribed(a, 'Public-Case');
    const received = nextEvent(a, 'Public-Case', 'App\\Events\\OrderShipped');
    await publish('Public-Case', 'App\\Events\\OrderShipped', '{"order":12345678901234567890}');
    // pusher-js parses the string: the big number shows the text went through unchanged only on the wire, so check the raw frame too.
    expect((await received).data).to.deep.equal({ order: 12345678901234567890 });
    const { client: wire } = await raw();
    wire.send({ event: 'pusher:subscribe', data: { channel: 'Public-Case', auth: '' } });
    await wire.next('pusher_internal:subscription_succeeded', 'Public-Case');
    await publish('Public-Case', 'e', '{"order":12345678901234567890}');
    expect((await wire.next('e')).data).to.equal('{"order":12345678901234567890}');
  });

  it('subscribes to a private channel with a valid auth and refuses a bad one with AuthError 401', async () => {
    const a = client();
    await subscribed(a, 'private-orders');
    const { client: wire, socketId } = await raw();
    wire.send({ event: 'pusher:subscribe', data: { channel: 'private-orders', auth: pusherAuth(PUSHER_APP.key, 'wrong-secret', `${socketId}:private-orders`) } });
    const error = await wire.next('pusher:subscription_error', 'private-orders');
    expect(error.data).to.deep.equal({ type: 'AuthError', error: 'Invalid signature', status: 401 });
    wire.send({ event: 'pusher:subscribe', data: { channel: 'private-orders', auth: pusherAuth(PUSHER_APP.key, PUSHER_APP.secret, `${socketId}:private-orders`) } });
    await wire.next('pusher_internal:subscription_succeeded', 'private-orders');
  });

  it('relays private-encrypted payloads as they are', async () => {
    const { client: wire, socketId } = await raw();
    wire.send({ event: 'pusher:subscribe', data: { channel: 'private-encrypted-x', auth: pusherAuth(PUSHER_APP.key, PUSHER_APP.secret, `${socketId}:private-encrypted-x`) } });
    await wire.next('pusher_internal:subscription_succeeded', 'private-encrypted-x');
    await publish('private-encrypted-x', 'secret', '{"nonce":"bm9uY2U=","ciphertext":"Y2lwaGVy"}');
    expect((await wire.next('secret')).data).to.equal('{"nonce":"bm9uY2U=","ciphertext":"Y2lwaGVy"}');
  });

  it('keeps presence members by user_id: one member for two sockets, added on the first, removed on the last', async () => {
    const watcher = client({ user: { user_id: 'w', user_info: { name: 'Watcher' } } });
    await subscribed(watcher, 'presence-room');
    const added = nextEvent(watcher, 'presence-room', 'pusher:member_added');
    const first = client({ user: { user_id: '7', user_info: { name: 'Seven' } } });
    const members = (await subscribed(first, 'presence-room')) as { count: number; me: { id: string } };
    expect(members.count).to.equal(2);
    expect(members.me.id).to.equal('7');
    expect((await added).data).to.deep.equal({ id: '7', info: { name: 'Seven' } });
    const second = client({ user: { user_id: '7', user_info: { name: 'Seven' } } });
    expect(((await subscribed(second, 'presence-room')) as { count: number }).count).to.equal(2);
    const removed = nextEvent(watcher, 'presence-room', 'pusher:member_removed');
    second.disconnect();
    first.disconnect();
    expect((await removed).data).to.deep.equal({ id: '7', info: { name: 'Seven' } });
    expect(await server.server.channels.members('presence-room', PUSHER_APP.id)).to.have.length(1);
  });

  it('sends pusher_internal:subscription_count on subscribe and unsubscribe, native subscribers counted but never told', async () => {
    const a = client();
    a.subscribe('counted');
    const first = nextEvent(a, 'counted', 'pusher:subscription_count');
    await subscribed(a, 'counted');
    expect((await first).data).to.deep.equal({ subscription_count: 1 });
    const second = nextEvent(a, 'counted', 'pusher:subscription_count');
    const b = client();
    await subscribed(b, 'counted');
    expect((await second).data).to.deep.equal({ subscription_count: 2 });
    const third = nextEvent(a, 'counted', 'pusher:subscription_count');
    b.unsubscribe('counted');
    expect((await third).data).to.deep.equal({ subscription_count: 1 });
    const withNative = nextEvent(a, 'counted', 'pusher:subscription_count');
    const native = await TestClient.connect(server.url, 'websocket', `/pushy/app/${PUSHER_APP.key}/socket`);
    expect((await native.subscribe('counted')).event).to.equal('pushy:subscription-success');
    expect((await withNative).data).to.deep.equal({ subscription_count: 2 });
    const nativeGone = nextEvent(a, 'counted', 'pusher:subscription_count');
    await native.close();
    expect((await nativeGone).data).to.deep.equal({ subscription_count: 1 });
    expect(native.texts.filter((text) => /subscription.count/.test(text))).to.deep.equal([]);
  });

  it('sends no subscription_count on presence channels', async () => {
    const a = client({ user: { user_id: 'counted-user' } });
    let counts = 0;
    a.subscribe('presence-uncounted').bind('pusher:subscription_count', () => (counts += 1));
    await subscribed(a, 'presence-uncounted');
    // A public channel's count after it shows the presence one would have come first.
    a.subscribe('counted-after');
    await nextEvent(a, 'counted-after', 'pusher:subscription_count');
    expect(counts).to.equal(0);
  });

  it('sends a cache channel its last triggered event, or pusher:cache_miss', async () => {
    const { client: wire } = await raw();
    wire.send({ event: 'pusher:subscribe', data: { channel: 'cache-prices' } });
    await wire.next('pusher_internal:subscription_succeeded', 'cache-prices');
    await wire.next('pusher:cache_miss', 'cache-prices');
    await publish('cache-prices', 'price', '{"eur":1}');
    await wire.next('price', 'cache-prices');
    const { client: late } = await raw();
    late.send({ event: 'pusher:subscribe', data: { channel: 'cache-prices' } });
    expect((await late.next('price', 'cache-prices')).data).to.equal('{"eur":1}');
  });

  it('relays client events to the other subscribers, with user_id on presence, never to the sender', async () => {
    const a = client({ user: { user_id: 'alice' } });
    const b = client({ user: { user_id: 'bob' } });
    await Promise.all([subscribed(a, 'presence-chat'), subscribed(b, 'presence-chat')]);
    const atB = nextEvent(b, 'presence-chat', 'client-typing');
    let echoed = false;
    a.channel('presence-chat').bind('client-typing', () => (echoed = true));
    expect(a.channel('presence-chat').trigger('client-typing', { on: true })).to.equal(true);
    const got = await atB;
    expect(got.data).to.deep.equal({ on: true });
    expect(got.metadata).to.deep.equal({ user_id: 'alice' });
    // b answers; once a has it, a's own event would have come first had it been echoed.
    const atA = nextEvent(a, 'presence-chat', 'client-reply');
    b.channel('presence-chat').trigger('client-reply', {});
    await atA;
    expect(echoed).to.equal(false);
  });

  it('refuses client events on public channels, unsubscribed channels and past 10 per second (4301)', async () => {
    const { client: wire, socketId } = await raw();
    wire.send({ event: 'client-x', channel: 'public', data: {} });
    expect(((await wire.next('pusher:error')).data as { message: string }).message).to.match(/private and presence/);
    wire.send({ event: 'client-x', channel: 'private-a', data: {} });
    expect(((await wire.next('pusher:error')).data as { message: string }).message).to.match(/Not subscribed/);
    wire.send({ event: 'pusher:subscribe', data: { channel: 'private-a', auth: pusherAuth(PUSHER_APP.key, PUSHER_APP.secret, `${socketId}:private-a`) } });
    await wire.next('pusher_internal:subscription_succeeded', 'private-a');
    for (let i = 0; i < 11; i += 1) wire.send({ event: 'client-x', channel: 'private-a', data: { i } });
    expect((await wire.next('pusher:error')).data).to.deep.include({ code: 4301 });
  });

  it('signs a user in, delivers to #server-to-user-<id> only for that user, and terminate_connections closes them with 4009', async () => {
    const a = client({ userData: { id: 'u42' } });
    await connected(a);
    const userChannel = '#server-to-user-u42';
    // pusher-js subscribes to its user channel after signin_success: wait for the server's answer.
    const ready = new Promise<void>((resolve) =>
      a.connection.bind('message', (message: { event: string; channel?: string }) => {
        if (message.event === 'pusher_internal:subscription_succeeded' && message.channel === userChannel) resolve();
      }),
    );
    a.signin();
    await ready;
    const received = new Promise<unknown>((resolve) => a.user.bind('notice', resolve));
    await publish(userChannel, 'notice', '{"hello":"u42"}');
    expect(await received).to.deep.equal({ hello: 'u42' });

    const { client: wire } = await raw();
    wire.send({ event: 'pusher:subscribe', data: { channel: userChannel, auth: '' } });
    expect(((await wire.next('pusher:subscription_error', userChannel)).data as { status: number }).status).to.equal(401);

    const closed = new Promise<{ code: number }>((resolve) => a.connection.bind('error', (event: { data?: { code: number } }) => event.data && resolve(event.data)));
    await pusherSdk(server).terminateUserConnections('u42');
    expect((await closed).code).to.equal(4009);
  });

  it('answers terminate_connections 401 for a bad signature and 404 for an unknown app', async () => {
    const bad = await fetch(`${server.url}/apps/${PUSHER_APP.id}/users/u1/terminate_connections?auth_key=${PUSHER_APP.key}&auth_timestamp=${Math.floor(Date.now() / 1000)}&auth_version=1.0&auth_signature=${'0'.repeat(64)}`, { method: 'POST' });
    expect(bad.status).to.equal(401);
    const unknown = await fetch(`${server.url}/apps/nope/users/u1/terminate_connections`, { method: 'POST' });
    expect(unknown.status).to.equal(404);
  });
});
