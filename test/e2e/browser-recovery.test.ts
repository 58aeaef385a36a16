import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, countLog, launchBrowser, openClient, startPageServer, subscribe, waitForLog, type PageServer } from '../helpers/browser.js';
import { requireService } from '../helpers/services.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';
import { channelEpoch } from './recovery-scenarios.js';

describe('e2e: browser client recovers the events it missed while away (Chromium)', function () {
  this.timeout(30_000);
  let browser: Browser;
  let srv: TestServer;
  let page: PageServer;
  let tab: Page | undefined;

  before(async function () {
    requireService(this, 'chromium', chromiumAvailable);
    browser = await launchBrowser();
  });
  beforeEach(async () => {
    srv = await startServer({ history: { size: 100, ttl: 300, rules: [{ match: 'small-*', size: 5, ttl: 300 }] } });
    page = await startPageServer({ pushyUrl: () => srv.url, secretKey: srv.secret, authorize: () => true });
  });
  afterEach(async () => {
    await tab?.close();
    tab = undefined;
    await page.close();
    await srv.close();
  });
  after(async () => {
    await browser?.close();
  });

  /** Opens a page subscribed to `channels`, recording `msg` and `pushy:resubscribed`. */
  async function subscribedPage(channels: string[], transports?: string[]): Promise<Page> {
    const options: Record<string, unknown> = { reconnect: { minDelay: 100, maxDelay: 500 } };
    if (transports) options.transports = transports;
    const opened = await openClient(browser, page, srv.url, options);
    for (const channel of channels) {
      await subscribe(opened, channel, ['msg', 'pushy:resubscribed']);
      await waitForLog(opened, { type: 'event', channel, event: 'pushy:subscription-success' });
    }
    return opened;
  }

  /**
   * Takes the page off the network: the server cuts its socket, and every reconnection attempt
   * fails (SockJS's info request is aborted) until the returned function brings it back. The
   * client keeps retrying on its own timer meanwhile.
   */
  async function goAway(opened: Page): Promise<() => Promise<void>> {
    const sockjsPath = (url: URL) => url.pathname.startsWith('/pushy/socket/');
    await opened.route(sockjsPath, (route) => route.abort('internetdisconnected'));
    await srv.server.sockjs.closeAll(1001, 'Dropped by test');
    await waitForLog(opened, { type: 'disconnect' });
    return () => opened.unroute(sockjsPath);
  }

  /** Triggers `msg` with n = from, from + 1, ...; `status` 201: someone got it live, 200: nobody. */
  async function triggerMsgs(channel: string, from: number, count: number, status: 200 | 201 = 201): Promise<void> {
    for (let n = from; n < from + count; n += 1) {
      const answer = await trigger(srv.url, channel, 'msg', { n }, { secret: srv.secret });
      expect(answer.status, `msg ${n} on ${channel}`).to.equal(status);
    }
  }

  /** The `n` of every `msg` the page's app received on `channel`, in order. */
  function received(opened: Page, channel: string): Promise<unknown[]> {
    return opened.evaluate((c) => (globalThis as any).harness.log.filter((e: any) => e.channel === c && e.event === 'msg').map((e: any) => e.data.n), channel);
  }

  function channelInfo(opened: Page, channel: string): Promise<{ recovered: boolean | undefined; position: { offset: number; epoch: string } | undefined }> {
    return opened.evaluate((c) => {
      const ch = (globalThis as any).harness.pushy.channel(c);
      return { recovered: ch.recovered, position: ch.position };
    }, channel);
  }

  for (const transports of [undefined, ['xhr-streaming']]) {
    it(`gets every event triggered while it was away, in order, once, and is told recovered: true (${transports?.[0] ?? 'default transport'})`, async () => {
      const channels = ['chat-room', 'private-inbox'];
      tab = await subscribedPage(channels, transports);
      for (const channel of channels) {
        expect(await channelInfo(tab, channel)).to.deep.include({ recovered: undefined });
        await triggerMsgs(channel, 0, 3);
        await waitForLog(tab, { event: 'msg', channel, data: { n: 2 } });
      }

      const comeBack = await goAway(tab);
      // Nobody is subscribed while the page is away: 200, not 201.
      for (const channel of channels) await triggerMsgs(channel, 3, 20, 200);
      await comeBack();

      for (const channel of channels) {
        await waitForLog(tab, { event: 'pushy:resubscribed', channel, data: { channel, recovered: true } });
        await waitForLog(tab, { event: 'msg', channel, data: { n: 22 } });
        await triggerMsgs(channel, 23, 1);
        await waitForLog(tab, { event: 'msg', channel, data: { n: 23 } });
        expect(await received(tab, channel), channel).to.deep.equal(Array.from({ length: 24 }, (_, n) => n));
        expect(await channelInfo(tab, channel), channel).to.deep.equal({ recovered: true, position: { offset: 24, epoch: await channelEpoch(srv, channel) } });
        expect(await countLog(tab, { event: 'pushy:resubscribed', channel })).to.equal(1);
        const order = await tab.evaluate((c) => {
          const log = (globalThis as any).harness.log;
          return {
            resubscribed: log.findIndex((e: any) => e.channel === c && e.event === 'pushy:resubscribed'),
            firstReplayed: log.findIndex((e: any) => e.channel === c && e.event === 'msg' && e.data.n === 3),
          };
        }, channel);
        expect(order.resubscribed, 'the app hears recovered: true before the replayed events').to.be.lessThan(order.firstReplayed);
      }
      expect(await countLog(tab, { type: 'connect' })).to.equal(2);
      // The private channel was authorised again for the new connection.
      expect(page.authRequests.map((r) => r.channel)).to.deep.equal(['private-inbox', 'private-inbox']);
    });
  }

  it('more missed events than the history holds: recovered: false, nothing old replayed, live events arrive', async () => {
    tab = await subscribedPage(['small-feed']);
    await triggerMsgs('small-feed', 0, 1);
    await waitForLog(tab, { event: 'msg', data: { n: 0 } });

    const comeBack = await goAway(tab);
    await triggerMsgs('small-feed', 1, 10, 200);
    await comeBack();

    await waitForLog(tab, { event: 'pushy:resubscribed', channel: 'small-feed', data: { channel: 'small-feed', recovered: false } });
    const success = await tab.evaluate(() => (globalThis as any).harness.log.filter((e: any) => e.event === 'pushy:subscription-success').at(-1).data);
    const epoch = await channelEpoch(srv, 'small-feed');
    expect(success).to.include({ channel: 'small-feed', recovered: false, offset: 11, epoch });
    await trigger(srv.url, 'small-feed', 'msg', { n: 'live' }, { secret: srv.secret });
    await waitForLog(tab, { event: 'msg', data: { n: 'live' } });
    expect(await received(tab, 'small-feed')).to.deep.equal([0, 'live']);
    expect(await channelInfo(tab, 'small-feed')).to.deep.equal({ recovered: false, position: { offset: 12, epoch } });
  });

  it('the server restarts with an empty memory history: recovered: false with the new epoch', async () => {
    tab = await subscribedPage(['restart-feed']);
    await triggerMsgs('restart-feed', 0, 2);
    await waitForLog(tab, { event: 'msg', data: { n: 1 } });
    const before = await channelInfo(tab, 'restart-feed');
    const port = Number(new URL(srv.url).port);
    // Cut every socket at once, as a crash would (see browser-reconnect.test.ts).
    const closing = srv.close();
    srv.server.httpServer.closeAllConnections();
    await closing;
    await waitForLog(tab, { type: 'disconnect' });
    srv = await startServer({ port });

    await waitForLog(tab, { event: 'pushy:resubscribed', channel: 'restart-feed', data: { channel: 'restart-feed', recovered: false } });
    const after = await channelInfo(tab, 'restart-feed');
    expect(after.recovered).to.equal(false);
    expect(after.position?.offset).to.equal(0);
    expect(after.position?.epoch).to.be.a('string').and.not.equal(before.position?.epoch);
    await triggerMsgs('restart-feed', 2, 1);
    await waitForLog(tab, { event: 'msg', data: { n: 2 } });
    expect(await received(tab, 'restart-feed')).to.deep.equal([0, 1, 2]);
    expect((await channelInfo(tab, 'restart-feed')).position?.offset).to.equal(1);
  });
});
