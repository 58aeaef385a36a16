import { expect } from 'chai';
import type { AppInput } from '../../lib/apps/app.js';
import type { WebhookEvent } from '../../lib/webhooks/webhook-event.js';
import type { Webhooks } from '../../lib/webhooks/webhooks.js';
import { recordLogs, type LogRecorder } from '../helpers/redis-node.js';
import { waitUntil } from '../helpers/wait.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';
import { appDirectory, credentials, memoryWebhooks, pusherAccepts } from '../helpers/webhooks.js';

/** One of each kind, as the channel core will emit them. */
const EVERY_KIND: WebhookEvent[] = [
  { name: 'channel_occupied', channel: 'presence-room' },
  { name: 'member_added', channel: 'presence-room', user_id: 'u1' },
  { name: 'client_event', channel: 'presence-room', event: 'client-typing', data: '{"text":"héllo ✓"}', socket_id: '123.456', user_id: 'u1' },
  { name: 'client_event', channel: 'private-chat', event: 'client-typing', data: '"plain"', socket_id: '123.457' },
  { name: 'subscription_count', channel: 'news', subscription_count: 2 },
  { name: 'cache_miss', channel: 'cache-prices' },
  { name: 'member_removed', channel: 'presence-room', user_id: 'u1' },
  { name: 'channel_vacated', channel: 'presence-room' },
];

describe('e2e: webhook delivery to a real HTTP receiver', function () {
  this.timeout(30_000);
  let receiver: WebhookReceiver;
  let other: WebhookReceiver | undefined;
  let webhooks: Webhooks | undefined;
  let log: LogRecorder;

  beforeEach(async () => {
    receiver = await WebhookReceiver.start();
    log = recordLogs();
  });
  afterEach(async () => {
    await webhooks?.close();
    webhooks = undefined;
    await receiver.close();
    await other?.close();
    other = undefined;
  });

  const shop = (webhooks: AppInput['webhooks']): AppInput => ({ id: '1001', key: 'shop-key', secret: 'shop-secret-1', webhooks });

  it('delivers every kind, in order, signed so that the pusher SDK accepts it, with both header pairs and the custom headers', async () => {
    const apps = appDirectory([shop([{ url: receiver.url(), headers: { Authorization: 'Bearer abc', 'X-Pusher-Signature': 'forged' } }])]);
    webhooks = memoryWebhooks(apps, log.logger, { removalDelay: 0 });
    const before = Date.now();
    for (const event of EVERY_KIND) webhooks.emit('1001', event);
    await receiver.waitForEvents(EVERY_KIND.length);

    expect(receiver.delivered()).to.deep.equal(EVERY_KIND);
    const app = credentials(apps.get('1001')!);
    for (const request of receiver.requests) {
      expect(request.method).to.equal('POST');
      expect(request.headers['content-type']).to.equal('application/json');
      expect(pusherAccepts(request, app), 'pusher.webhook().isValid()').to.equal(true);
      expect(pusherAccepts(request, { ...app, secret: 'another-secret' })).to.equal(false);
      expect(request.headers['x-pusher-key']).to.equal('shop-key');
      expect(request.headers['x-pushy-key']).to.equal('shop-key');
      expect(request.headers['x-pushy-signature']).to.equal(request.headers['x-pusher-signature']);
      expect(request.headers.authorization).to.equal('Bearer abc');
      expect(request.body!.time_ms).to.be.within(before, Date.now());
    }
    // The receiver has answered; the sender counts once it has read the answer.
    await waitUntil(() => webhooks!.stats.app('1001').sent === EVERY_KIND.length, 5000, 'the sent count');
  });

  it('honours each webhook\'s events list and channel filter: a webhook gets only what it asked for', async () => {
    const apps = appDirectory([
      shop([
        { url: receiver.url('/all') },
        { url: receiver.url('/members'), events: ['member_added', 'member_removed'] },
        { url: receiver.url('/eu-presence'), filter: { channelPrefix: 'presence-', channelSuffix: '-eu' } },
        { url: receiver.url('/clients-private'), events: ['client_event'], filter: { channelPrefix: 'private-' } },
      ]),
    ]);
    webhooks = memoryWebhooks(apps, log.logger, { removalDelay: 0 });
    const events: WebhookEvent[] = [
      { name: 'channel_occupied', channel: 'presence-room-eu' },
      { name: 'member_added', channel: 'presence-room-eu', user_id: 'u1' },
      { name: 'member_added', channel: 'presence-room-us', user_id: 'u2' },
      { name: 'client_event', channel: 'private-chat', event: 'client-x', data: '{}', socket_id: '1.1' },
      { name: 'client_event', channel: 'presence-room-eu', event: 'client-x', data: '{}', socket_id: '1.2', user_id: 'u1' },
      { name: 'channel_occupied', channel: 'news' },
      { name: 'member_removed', channel: 'presence-room-us', user_id: 'u2' },
    ];
    for (const event of events) webhooks.emit('1001', event);
    // A last event every webhook takes: each target delivers in order, so anything sent wrongly came before it.
    const sentinels: WebhookEvent[] = [
      { name: 'member_added', channel: 'presence-last-eu', user_id: 'last' },
      { name: 'client_event', channel: 'private-last', event: 'client-last', data: '{}', socket_id: '9.9' },
    ];
    for (const event of sentinels) webhooks.emit('1001', event);
    await Promise.all([
      receiver.waitFor(() => receiver.delivered('/all').length === 9),
      receiver.waitFor(() => receiver.delivered('/members').some((e) => e.user_id === 'last')),
      receiver.waitFor(() => receiver.delivered('/eu-presence').some((e) => e.user_id === 'last')),
      receiver.waitFor(() => receiver.delivered('/clients-private').some((e) => e.event === 'client-last')),
    ]);
    expect(receiver.delivered('/all')).to.deep.equal([...events, ...sentinels]);
    expect(receiver.delivered('/members')).to.deep.equal([events[1], events[2], events[6], sentinels[0]]);
    expect(receiver.delivered('/eu-presence')).to.deep.equal([events[0], events[1], events[4], sentinels[0]]);
    expect(receiver.delivered('/clients-private')).to.deep.equal([events[3], sentinels[1]]);
  });

  it('batches per app and per webhook URL, each signed with its own app\'s key and secret, even to one shared URL', async () => {
    const url = receiver.url('/shared');
    const apps = appDirectory([shop([{ url }]), { id: '2002', key: 'blog-key', secret: 'blog-secret-2', webhooks: [{ url }] }]);
    webhooks = memoryWebhooks(apps, log.logger, { removalDelay: 0, batchDelay: 100 });
    for (let i = 0; i < 5; i += 1) {
      webhooks.emit('1001', { name: 'channel_occupied', channel: `shop-${i}` });
      webhooks.emit('2002', { name: 'channel_occupied', channel: `blog-${i}` });
    }
    await receiver.waitForEvents(10);
    const shopApp = credentials(apps.get('1001')!);
    const blogApp = credentials(apps.get('2002')!);
    for (const request of receiver.requests) {
      const owners = new Set(request.body!.events.map((event) => String(event.channel).split('-')[0]));
      expect(owners.size, 'one app per request').to.equal(1);
      const owner = owners.has('shop') ? shopApp : blogApp;
      const stranger = owner === shopApp ? blogApp : shopApp;
      expect(pusherAccepts(request, owner)).to.equal(true);
      expect(pusherAccepts(request, stranger)).to.equal(false);
    }
    expect(receiver.delivered().map((event) => event.channel).sort()).to.deep.equal([...[0, 1, 2, 3, 4].map((i) => `blog-${i}`), ...[0, 1, 2, 3, 4].map((i) => `shop-${i}`)].sort());
  });

  it('puts at most batchSize events in a request, and events of one moment in one request', async () => {
    const apps = appDirectory([shop([{ url: receiver.url() }])]);
    webhooks = memoryWebhooks(apps, log.logger, { removalDelay: 0, batchSize: 3, batchDelay: 200 });
    for (let i = 0; i < 7; i += 1) webhooks.emit('1001', { name: 'subscription_count', channel: 'news', subscription_count: i });
    await receiver.waitForEvents(7);
    expect(receiver.requests.map((r) => r.body!.events.length)).to.deep.equal([3, 3, 1]);
    expect(receiver.delivered().map((event) => event.subscription_count)).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
  });

  it('a receiver answering 500 twice then 200 gets the batch delivered once, after two retries', async () => {
    const apps = appDirectory([shop([{ url: receiver.url() }])]);
    webhooks = memoryWebhooks(apps, log.logger, { removalDelay: 0 });
    receiver.answer([500, 500], 200);
    const event: WebhookEvent = { name: 'channel_occupied', channel: 'news' };
    webhooks.emit('1001', event);
    await receiver.waitForEvents(1);
    expect(receiver.requests.map((r) => r.status)).to.deep.equal([500, 500, 200]);
    expect(new Set(receiver.requests.map((r) => JSON.stringify(r.body!.events))).size, 'the same batch each time').to.equal(1);
    const app = credentials(apps.get('1001')!);
    // Each try is signed afresh (time_ms changes), and every one is valid.
    for (const request of receiver.requests) expect(pusherAccepts(request, app)).to.equal(true);
    await waitUntil(() => webhooks!.stats.app('1001').sent === 1, 5000, 'the sent count');
    expect(webhooks.stats.app('1001')).to.deep.include({ sent: 1, failed: 2, retried: 2 });
    await log.waitFor(/WARN webhook delivery failed; retrying with backoff .*"error":"HTTP 500"/);
    await log.waitFor(/INFO webhook delivered again/);

    // Nothing more comes for it: the next event is the next thing the receiver sees.
    webhooks.emit('1001', { name: 'channel_vacated', channel: 'news' });
    await receiver.waitForEvents(2);
    expect(receiver.delivered()).to.deep.equal([event, { name: 'channel_vacated', channel: 'news' }]);
    expect(receiver.requests).to.have.length(4);
  });

  it('a receiver down for longer than the retry window: the events are dropped, logged without secrets, and counted', async () => {
    const url = receiver.url('/hook?token=url-token-123');
    const apps = appDirectory([shop([{ url, headers: { Authorization: 'Bearer header-token-456' } }])]);
    webhooks = memoryWebhooks(apps, log.logger, { removalDelay: 0, retryWindow: 300 });
    receiver.answer([], 503);
    webhooks.emit('1001', { name: 'channel_occupied', channel: 'a' });
    webhooks.emit('1001', { name: 'channel_occupied', channel: 'b' });
    await log.waitFor(/WARN webhook events dropped \(expired\)/);
    const stats = webhooks.stats.app('1001');
    expect(stats.dropped.expired).to.equal(2);
    expect(stats.sent).to.equal(0);
    expect(stats.failed).to.be.greaterThan(1);
    expect(webhooks.stats.total.dropped.expired).to.equal(2);
    const line = log.lines.find((l) => l.includes('webhook events dropped'))!;
    expect(line).to.include('"app":"1001"').and.to.include(`"url":"${receiver.url('/hook')}"`).and.to.include('"lastError":"HTTP 503"');
    for (const secret of ['shop-secret-1', 'url-token-123', 'header-token-456']) {
      expect(log.lines.filter((l) => l.includes(secret)), `a log line shows ${secret}`).to.deep.equal([]);
    }

    // Back up: new events go through, the dropped ones never come.
    receiver.answer([], 200);
    webhooks.emit('1001', { name: 'channel_occupied', channel: 'c' });
    await receiver.waitForEvents(1);
    expect(receiver.delivered()).to.deep.equal([{ name: 'channel_occupied', channel: 'c' }]);
  });

  it('a receiver that is not there at all (connection refused) is retried the same way, then given up on', async () => {
    const gone = await WebhookReceiver.start();
    const url = gone.url();
    await gone.close();
    const apps = appDirectory([shop([{ url }])]);
    webhooks = memoryWebhooks(apps, log.logger, { removalDelay: 0, retryWindow: 200 });
    webhooks.emit('1001', { name: 'channel_occupied', channel: 'a' });
    await log.waitFor(/WARN webhook events dropped \(expired\).*"lastError":"ECONNREFUSED"/);
    expect(webhooks.stats.app('1001').dropped.expired).to.equal(1);
  });

  it('when more than maxQueued events wait, the oldest are dropped and counted, and the newest delivered', async () => {
    const apps = appDirectory([shop([{ url: receiver.url() }])]);
    webhooks = memoryWebhooks(apps, log.logger, { removalDelay: 0, batchSize: 1, maxQueued: 5, timeout: 60_000 });
    // The first request hangs until the test answers it, so everything after it has to wait.
    receiver.answer(['hang'], 200);
    webhooks.emit('1001', { name: 'subscription_count', channel: 'news', subscription_count: 0 });
    await receiver.waitFor((all) => all.length === 1);
    for (let i = 1; i <= 10; i += 1) webhooks.emit('1001', { name: 'subscription_count', channel: 'news', subscription_count: i });
    await log.waitFor(/WARN webhook events dropped \(queue_full\)/);
    await waitUntil(() => webhooks!.stats.app('1001').dropped.queue_full === 6, 5000, 'six events dropped');
    receiver.answerHanging(200);
    await receiver.waitForEvents(5);
    expect(receiver.delivered().map((event) => event.subscription_count)).to.deep.equal([0, 7, 8, 9, 10]);
    await waitUntil(() => webhooks!.stats.app('1001').sent === 5, 5000, 'the sent count');
    expect(webhooks.stats.app('1001').dropped.queue_full).to.equal(6);
  });

  it('a hung receiver does not delay delivery to another app\'s receiver', async () => {
    other = await WebhookReceiver.start();
    const apps = appDirectory([shop([{ url: receiver.url() }]), { id: '2002', key: 'blog-key', secret: 'blog-secret-2', webhooks: [{ url: other.url() }] }]);
    webhooks = memoryWebhooks(apps, log.logger, { removalDelay: 0, timeout: 60_000 });
    receiver.answer([], 'hang');
    for (let i = 0; i < 20; i += 1) webhooks.emit('1001', { name: 'channel_occupied', channel: `shop-${i}` });
    await receiver.waitFor((all) => all.length === 1);
    for (let i = 0; i < 3; i += 1) {
      webhooks.emit('2002', { name: 'channel_occupied', channel: `blog-${i}` });
      await other.waitForEvents(i + 1);
    }
    expect(other.delivered().map((event) => event.channel)).to.deep.equal(['blog-0', 'blog-1', 'blog-2']);
    // Still the one request to the hung receiver, unanswered: it held up nobody else.
    expect(receiver.requests.map((r) => r.status)).to.deep.equal([undefined]);
  });

  it('events of an app removed, disabled or without that webhook by the time of sending are dropped as no_target', async () => {
    const apps = appDirectory([shop([{ url: receiver.url() }])]);
    const current = new Map([['1001', apps.get('1001')!]]);
    webhooks = memoryWebhooks({ get: (id: string) => current.get(id) }, log.logger, { removalDelay: 0, batchDelay: 300 });
    webhooks.emit('1001', { name: 'channel_occupied', channel: 'a' });
    current.set('1001', { ...apps.get('1001')!, webhooks: [] });
    await log.waitFor(/WARN webhook events dropped \(no_target\)/);
    expect(webhooks.stats.app('1001').dropped.no_target).to.equal(1);
    expect(receiver.requests).to.deep.equal([]);
  });

  it('removals wait out the delay; a channel back within it produces no webhook at all', async () => {
    const apps = appDirectory([shop([{ url: receiver.url() }])]);
    webhooks = memoryWebhooks(apps, log.logger, { removalDelay: 300 });
    webhooks.emit('1001', { name: 'channel_vacated', channel: 'reloaded' });
    webhooks.emit('1001', { name: 'channel_occupied', channel: 'reloaded' });
    webhooks.emit('1001', { name: 'channel_vacated', channel: 'left' });
    expect(webhooks.pending.delayed).to.equal(1);
    await receiver.waitForEvents(1);
    expect(receiver.delivered()).to.deep.equal([{ name: 'channel_vacated', channel: 'left' }]);
  });

  it('an app without webhooks costs nothing: no event is held or queued for it', async () => {
    const apps = appDirectory([{ id: '3003', key: 'quiet-key', secret: 'quiet-secret' }]);
    webhooks = memoryWebhooks(apps, log.logger);
    webhooks.emit('3003', { name: 'channel_vacated', channel: 'news' });
    webhooks.emit('nope', { name: 'channel_occupied', channel: 'news' });
    expect(webhooks.pending).to.deep.equal({ delayed: 0, unqueued: 0, held: 0 });
  });
});
