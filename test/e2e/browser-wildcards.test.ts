import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, launchBrowser, openClient, startPageServer, subscribe, waitForLog, type PageServer } from '../helpers/browser.js';
import { requireService } from '../helpers/services.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

describe('e2e: browser client wildcard subscriptions and client events (Chromium)', function () {
  this.timeout(30_000);
  let browser: Browser;
  let srv: TestServer;
  let page: PageServer;
  const tabs: Page[] = [];

  before(async function () {
    requireService(this, 'chromium', chromiumAvailable);
    srv = await startServer({ clientEvents: { enabled: true } });
    page = await startPageServer({
      pushyUrl: () => srv.url,
      secretKey: srv.secret,
      authorize: ({ user }) => ({ presence: { id: user } }),
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await Promise.all(tabs.splice(0).map((tab) => tab.close()));
    await browser?.close();
    await page?.close();
    await srv?.close();
  });

  async function open(user: string): Promise<Page> {
    const tab = await openClient(browser, page, srv.url, {}, user);
    tabs.push(tab);
    await waitForLog(tab, { type: 'connect' });
    return tab;
  }

  it('a pattern channel gets the events of the channels it matches, naming each; client events reach the other tab with the sender', async () => {
    const alice = await open('alice');
    const bob = await open('bob');
    await subscribe(alice, 'news.*', ['story']);
    await waitForLog(alice, { type: 'event', channel: 'news.*', event: 'pushy:subscription-success' });
    await trigger(srv.url, 'news.sport', 'story', { n: 1 }, { secret: srv.secret });
    await trigger(srv.url, 'news.sport.live', 'story', { n: 2 }, { secret: srv.secret });
    await trigger(srv.url, 'news.tech', 'story', { n: 3 }, { secret: srv.secret });
    await waitForLog(alice, { type: 'event', channel: 'news.*', event: 'story', data: { n: 3 }, from: 'news.tech' });
    await waitForLog(alice, { type: 'event', channel: 'news.*', event: 'story', data: { n: 1 }, from: 'news.sport' });
    expect(await alice.evaluate(() => (globalThis as any).harness.count({ event: 'story', data: { n: 2 } }))).to.equal(0);

    for (const tab of [alice, bob]) await subscribe(tab, 'presence-chat', ['client-hi']);
    await waitForLog(alice, { type: 'event', channel: 'presence-chat', event: 'pushy:subscription-success' });
    await waitForLog(bob, { type: 'event', channel: 'presence-chat', event: 'pushy:subscription-success' });
    const bobMember = await bob.evaluate(() => (globalThis as any).harness.pushy.channel('presence-chat').memberId as string);
    expect(await bob.evaluate(() => (globalThis as any).harness.publish('presence-chat', 'client-hi', { from: 'bob' }))).to.equal(true);
    await waitForLog(alice, { type: 'event', channel: 'presence-chat', event: 'client-hi', data: { from: 'bob' }, memberId: bobMember });
    // Refusals come back to the page as the command's error with the server's code.
    expect(await bob.evaluate(() => (globalThis as any).harness.publish('presence-chat', 'not-client', {}))).to.include({ code: '445' });
    expect(await bob.evaluate(() => (globalThis as any).harness.count({ event: 'client-hi' }))).to.equal(0);
  });
});
