import { expect } from 'chai';
import { signChannel } from '../../lib/signing.js';
import type { DeepPartial, PushyConfig } from '../../lib/config.js';
import { TestClient, type Frame } from '../helpers/client.js';
import { startServer, TEST_SECRET, type TestServer } from '../helpers/server.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';
import { pusherAccepts } from '../helpers/webhooks.js';

/** Short enough for tests, long enough for a subscribe after an unsubscribe to land within it. */
const REMOVAL_DELAY = 400;
const DEFAULT_APP = { id: 'default', key: 'default', secret: TEST_SECRET };

describe('e2e: webhook events from the channel core (one node)', function () {
  this.timeout(20_000);
  let receiver: WebhookReceiver;
  let srv: TestServer;
  let clients: TestClient[] = [];

  const start = async (webhooks: DeepPartial<PushyConfig['webhooks']>): Promise<void> => {
    srv = await startServer({ webhooks: { batchDelay: 10, removalDelay: REMOVAL_DELAY, ...webhooks } as DeepPartial<PushyConfig['webhooks']> });
  };
  const connect = async (): Promise<TestClient> => {
    const client = await TestClient.connect(srv.url, 'websocket');
    clients.push(client);
    return client;
  };
  const subscribe = async (client: TestClient, channel: string): Promise<void> => {
    expect((await client.subscribe(channel)).event).to.equal('pushy:subscription-success');
  };
  const unsubscribe = async (client: TestClient, channel: string): Promise<void> => {
    await client.request('unsubscribe', { channel }, 'pushy:subscription-end');
  };
  const join = async (client: TestClient, channel: string, presence: Record<string, unknown>): Promise<Frame> => {
    const data = JSON.stringify(presence);
    const auth = signChannel({ socketId: client.socketId, channel, presenceData: data, secretKey: srv.secret });
    const answer = await client.subscribe(channel, { auth, data });
    expect(answer.event).to.equal('pushy:subscription-success');
    return answer;
  };
  /** Every event delivered so far, as "name channel [user]". */
  const delivered = (path?: string): string[] =>
    receiver.delivered(path).map((event) => [event.name, event.channel, event.user_id].filter((part) => part !== undefined).join(' '));
  /**
   * Waits until a sentinel channel's vacated arrives: it was vacated after everything before it,
   * with the same delay, so whatever those were going to send has been sent by then.
   */
  const settle = async (client: TestClient, name = 'sentinel'): Promise<void> => {
    await subscribe(client, name);
    await unsubscribe(client, name);
    await receiver.waitFor(() => delivered().includes(`channel_vacated ${name}`), 10_000, `the vacated of ${name}`);
  };

  beforeEach(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterEach(async () => {
    await Promise.all(clients.map((client) => client.close()));
    clients = [];
    await srv?.close();
    await receiver.close();
  });

  it('sends channel_occupied and, after the delay, channel_vacated, signed as Pusher signs them', async () => {
    await start({ defaultApp: [{ url: receiver.url() }] });
    const ann = await connect();
    const bob = await connect();
    await subscribe(ann, 'room-1');
    await subscribe(bob, 'room-1');
    await receiver.waitForEvents(1);
    await unsubscribe(ann, 'room-1');
    await unsubscribe(bob, 'room-1');
    await receiver.waitForEvents(2);
    expect(delivered()).to.deep.equal(['channel_occupied room-1', 'channel_vacated room-1']);
    for (const request of receiver.requests) {
      expect(pusherAccepts(request, DEFAULT_APP)).to.equal(true);
      expect(request.headers['x-pusher-key']).to.equal('default');
    }
  });

  it('a page reload within the delay sends nothing', async () => {
    await start({ defaultApp: [{ url: receiver.url() }] });
    const ann = await connect();
    await subscribe(ann, 'room-1');
    await receiver.waitForEvents(1);
    await ann.close();
    const again = await connect();
    await subscribe(again, 'room-1');
    await settle(again);
    expect(delivered().filter((line) => line.endsWith('room-1'))).to.deep.equal(['channel_occupied room-1']);
  });

  it('sends member_added once per user and member_removed after their last socket left', async () => {
    await start({ defaultApp: [{ url: receiver.url(), events: ['member_added', 'member_removed', 'channel_vacated'] }] });
    const phone = await connect();
    const laptop = await connect();
    await join(phone, 'presence-lobby', { id: 'ann' });
    await join(laptop, 'presence-lobby', { id: 'ann' });
    await join(laptop, 'presence-lobby-2', { id: 42 });
    await unsubscribe(phone, 'presence-lobby');
    await settle(phone);
    expect(delivered()).to.deep.equal(['member_added presence-lobby ann', 'member_added presence-lobby-2 42', 'channel_vacated sentinel']);
    await laptop.close();
    const removals = (): string[] => delivered().filter((line) => line.startsWith('member_removed'));
    await receiver.waitFor(() => removals().length === 2, 10_000, 'the removals');
    await settle(await connect(), 'sentinel-2');
    expect(removals()).to.have.members(['member_removed presence-lobby ann', 'member_removed presence-lobby-2 42']);
  });

  it('honours each webhook\'s events list and filter', async () => {
    await start({
      defaultApp: [
        { url: receiver.url('/all') },
        { url: receiver.url('/rooms'), events: ['channel_occupied'], filter: { channelPrefix: 'room-' } },
      ],
    });
    const ann = await connect();
    await subscribe(ann, 'room-1');
    await subscribe(ann, 'lobby');
    await unsubscribe(ann, 'room-1');
    await settle(ann);
    expect(delivered('/rooms')).to.deep.equal(['channel_occupied room-1']);
    expect(delivered('/all')).to.have.members(['channel_occupied room-1', 'channel_occupied lobby', 'channel_vacated room-1', 'channel_occupied sentinel', 'channel_vacated sentinel']);
  });

  it('retries a receiver that answers 500 and delivers once', async () => {
    await start({ defaultApp: [{ url: receiver.url() }] });
    receiver.answer([500, 500], 200);
    const ann = await connect();
    await subscribe(ann, 'room-1');
    await receiver.waitForEvents(1);
    expect(receiver.requests.map((request) => request.status)).to.deep.equal([500, 500, 200]);
    expect(delivered()).to.deep.equal(['channel_occupied room-1']);
  });

  it('sends a native client event as client_event, with the sender\'s user id on presence', async () => {
    srv = await startServer({ clientEvents: { enabled: true }, webhooks: { batchDelay: 10, removalDelay: REMOVAL_DELAY, defaultApp: [{ url: receiver.url(), events: ['client_event'] }] } as DeepPartial<PushyConfig['webhooks']> } as DeepPartial<PushyConfig>);
    const [sender, other] = [await TestClient.connect(srv.url), await TestClient.connect(srv.url)];
    const member = JSON.stringify({ id: 'ann' });
    for (const client of [sender, other]) {
      const data = client === sender ? member : JSON.stringify({ id: 'bob' });
      await client.subscribe('presence-room', { auth: signChannel({ socketId: client.socketId, channel: 'presence-room', presenceData: data, secretKey: TEST_SECRET }), data });
    }
    sender.command('publish-event', { channel: 'presence-room', event: 'client-typing', data: { typing: true } });
    await other.next('client-typing');
    await receiver.waitForEvents(1);
    expect(receiver.delivered()).to.deep.equal([{ name: 'client_event', channel: 'presence-room', event: 'client-typing', data: '{"typing":true}', socket_id: sender.socketId, user_id: 'ann' }]);
    for (const request of receiver.requests) expect(pusherAccepts(request, DEFAULT_APP)).to.equal(true);
    await sender.close();
    await other.close();
  });

  it('sends what a front end reports: client_event (data as JSON text) and cache_miss', async () => {
    await start({ defaultApp: [{ url: receiver.url(), events: ['client_event', 'cache_miss'] }] });
    const { frontEndWebhooks } = srv.server;
    frontEndWebhooks.clientEvent('default', { channel: 'private-chat', event: 'client-typing', data: { typing: true }, socketId: '123.456' });
    frontEndWebhooks.clientEvent('default', { channel: 'presence-room', event: 'client-hi', data: '{"raw":1}', socketId: '123.457', userId: 'ann' });
    frontEndWebhooks.cacheMiss('default', 'cache-prices');
    await receiver.waitForEvents(3);
    expect(receiver.delivered()).to.deep.equal([
      { name: 'client_event', channel: 'private-chat', event: 'client-typing', data: '{"typing":true}', socket_id: '123.456' },
      { name: 'client_event', channel: 'presence-room', event: 'client-hi', data: '{"raw":1}', socket_id: '123.457', user_id: 'ann' },
      { name: 'cache_miss', channel: 'cache-prices' },
    ]);
    for (const request of receiver.requests) expect(pusherAccepts(request, DEFAULT_APP)).to.equal(true);
  });
});
