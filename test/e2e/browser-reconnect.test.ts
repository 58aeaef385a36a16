import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, countLog, launchBrowser, openClient, startPageServer, subscribe, waitForLog, type PageServer } from '../helpers/browser.js';
import { requireService } from '../helpers/services.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

describe('e2e: browser client reconnects and resubscribes (Chromium)', function () {
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
    srv = await startServer();
    page = await startPageServer({
      pushyUrl: () => srv.url,
      secretKey: srv.secret,
      authorize: ({ channel, user }) => (channel.startsWith('presence-') ? { presence: { id: user } } : true),
    });
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

  /** Opens a page subscribed to a public, a private and a presence channel. */
  async function subscribedPage(transports?: string[]): Promise<Page> {
    const options: Record<string, unknown> = { reconnect: { minDelay: 100, maxDelay: 1000 } };
    if (transports) options.transports = transports;
    const opened = await openClient(browser, page, srv.url, options, 'carol');
    for (const channel of ['Public-Feed', 'private-inbox', 'presence-room']) {
      await subscribe(opened, channel, ['ping']);
      await waitForLog(opened, { type: 'event', channel: channel.toLowerCase(), event: 'pushy:subscription-success' });
    }
    return opened;
  }

  /** After a reconnect: every channel is subscribed again and gets events triggered now. */
  async function expectResubscribed(opened: Page): Promise<void> {
    for (const channel of ['public-feed', 'private-inbox', 'presence-room']) {
      await waitForLog(opened, { type: 'event', channel, event: 'pushy:subscription-success' }, 2);
      const answer = await trigger(srv.url, channel, 'ping', { after: 'reconnect', channel }, { secret: srv.secret });
      expect(answer.status, channel).to.equal(201);
      await waitForLog(opened, { type: 'event', channel, event: 'ping', data: { after: 'reconnect', channel } });
    }
    expect(await opened.evaluate(() => (globalThis as any).harness.members('presence-room'))).to.deep.equal(['carol']);
    const log = await opened.evaluate(() => (globalThis as any).harness.log.filter((e: any) => e.type !== "event"));
    expect(await countLog(opened, { type: "connect" }), JSON.stringify(log)).to.equal(2);
  }

  it('the server drops every connection: the client reconnects, re-authorises and gets new events', async () => {
    tab = await subscribedPage();
    const firstSocket = await tab.evaluate(() => (globalThis as any).harness.pushy.socketId);
    await srv.server.sockjs.closeAll(1001, 'Dropped by test');
    await waitForLog(tab, { type: 'disconnect' });
    await expectResubscribed(tab);
    const secondSocket = await tab.evaluate(() => (globalThis as any).harness.pushy.socketId);
    expect(secondSocket).to.not.equal(firstSocket);
    // Private and presence channels were authorised again, for the new socket.
    expect(page.authRequests.map((r) => r.channel)).to.deep.equal(['private-inbox', 'presence-room', 'private-inbox', 'presence-room']);
  });

  for (const transports of [undefined, ['xhr-polling']]) {
    it(`the server is killed and restarted on the same port: the client comes back on the same channels (${transports?.[0] ?? 'default transport'})`, async () => {
      tab = await subscribedPage(transports);
      const port = new URL(srv.url).port;
      // Stop listening and cut every socket at once, as a crash would: a graceful close lets
      // keep-alive requests open new sessions on the old server while it drains.
      const closing = srv.close();
      srv.server.httpServer.closeAllConnections();
      await closing;
      await waitForLog(tab, { type: 'disconnect' });
      srv = await startServer({ port: Number(port) });
      await expectResubscribed(tab);
    });
  }
});
