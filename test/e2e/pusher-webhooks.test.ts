import { expect } from 'chai';
import { connected, pusherApps, pusherClient, subscribed, PUSHER_APP, type Pusher } from '../helpers/pusher.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';
import { pusherAccepts } from '../helpers/webhooks.js';

/** A Pusher app's webhooks from unmodified pusher-js clients: every kind the protocol makes. */
describe('Pusher endpoint: webhooks of a Pusher app', function () {
  this.timeout(20_000);
  let receiver: WebhookReceiver;
  let server: TestServer;
  const clients: Pusher[] = [];

  before(async () => {
    receiver = await WebhookReceiver.start();
    const apps = pusherApps({ enableClientEvents: true, enableSubscriptionCount: true, webhooks: [{ url: receiver.url() }] });
    server = await startServer({ ...apps, webhooks: { batchDelay: 10, removalDelay: 50 } } as never);
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    await server.close();
    await receiver.close();
  });

  it('sends channel_occupied, subscription_count, client_event, cache_miss and, after the delay, channel_vacated', async () => {
    const [a, b] = [pusherClient(server), pusherClient(server)];
    clients.push(a, b);
    await Promise.all([subscribed(a, 'news'), subscribed(a, 'private-chat'), subscribed(b, 'private-chat')]);
    const bSocket = await connected(b);
    b.channel('private-chat').trigger('client-typing', { on: true });
    await subscribed(b, 'cache-prices');
    const names = (): string[] => receiver.delivered().map((event) => `${String(event.name)} ${String(event.channel)}`);
    await receiver.waitFor(() => names().includes('client_event private-chat') && names().includes('cache_miss cache-prices') && names().includes('subscription_count news'));
    expect(names()).to.include.members(['channel_occupied news', 'channel_occupied private-chat', 'subscription_count news', 'client_event private-chat', 'cache_miss cache-prices']);
    const clientEvent = receiver.delivered().find((event) => event.name === 'client_event');
    expect(clientEvent).to.deep.include({ event: 'client-typing', data: '{"on":true}', socket_id: bSocket });
    a.unsubscribe('news');
    await receiver.waitFor(() => names().includes('channel_vacated news'));
    for (const request of receiver.requests) expect(pusherAccepts(request, PUSHER_APP)).to.equal(true);
  });
});
