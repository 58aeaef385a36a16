import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, countLog, launchBrowser, openClient, startPageServer, subscribe, waitForLog, type PageServer } from '../helpers/browser.js';
import { requireService } from '../helpers/services.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

describe('e2e: browser client private and presence channels through the auth endpoint (Chromium)', function () {
  this.timeout(30_000);
  let browser: Browser;
  let srv: TestServer;
  let page: PageServer;
  const tabs: Page[] = [];

  before(async function () {
    requireService(this, 'chromium', chromiumAvailable);
    srv = await startServer();
    page = await startPageServer({
      pushyUrl: () => srv.url,
      secretKey: srv.secret,
      authorize: ({ channel, user }) => {
        if (channel.startsWith('private-forbidden')) return false;
        if (channel.startsWith('presence-')) return { presence: { id: user, name: `User ${user}` } };
        return true;
      },
    });
    browser = await launchBrowser();
  });
  afterEach(async () => {
    await Promise.all(tabs.splice(0).map((tab) => tab.close()));
  });
  after(async () => {
    await browser?.close();
    await page?.close();
    await srv?.close();
  });

  async function open(options: Record<string, unknown> = {}, user = 'anon'): Promise<Page> {
    const tab = await openClient(browser, page, srv.url, options, user);
    tabs.push(tab);
    await waitForLog(tab, { type: 'connect' });
    return tab;
  }

  for (const authTransport of ['form', 'json'] as const) {
    it(`subscribes to a private channel after authorising (${authTransport}) and receives its events`, async () => {
      const tab = await open({ authTransport });
      const channel = `private-Orders-${authTransport}`;
      const before = page.authRequests.length;
      await subscribe(tab, channel, ['paid']);
      await waitForLog(tab, { type: 'event', channel: channel.toLowerCase(), event: 'pushy:subscription-success' });
      expect(page.authRequests.slice(before)).to.deep.equal([{ channel: channel.toLowerCase(), user: 'anon' }]);
      await trigger(srv.url, channel, 'paid', { order: 7 }, { secret: srv.secret });
      await waitForLog(tab, { type: 'event', event: 'paid', data: { order: 7 } });
    });
  }

  it('a refused auth gives one subscription-error and no further auth requests', async () => {
    const tab = await open();
    const before = page.authRequests.length;
    await subscribe(tab, 'private-forbidden-zone', ['x']);
    await waitForLog(tab, { type: 'event', event: 'subscription-error' });
    const error = await tab.evaluate(() => (globalThis as any).harness.log.find((e: any) => e.event === 'subscription-error').data);
    expect(error).to.deep.equal({ channel: 'private-forbidden-zone', reason: 'Auth endpoint answered 403', status: 403 });
    // A barrier instead of a sleep: a later subscription on the same socket completes, and the
    // forbidden channel was not asked for again before or after it.
    await subscribe(tab, 'private-allowed-after');
    await waitForLog(tab, { type: 'event', channel: 'private-allowed-after', event: 'pushy:subscription-success' });
    expect(page.authRequests.slice(before).map((r) => r.channel)).to.deep.equal(['private-forbidden-zone', 'private-allowed-after']);
    expect(await countLog(tab, { event: 'subscription-error' })).to.equal(1);
    expect(await tab.evaluate(() => (globalThis as any).harness.pushy.channel('private-forbidden-zone').state)).to.equal('failed');
  });

  it('keeps presence members current: member-added when someone joins, member-quit when they leave', async () => {
    const alice = await open({}, 'alice');
    await subscribe(alice, 'presence-Lobby');
    await waitForLog(alice, { type: 'event', channel: 'presence-lobby', event: 'pushy:subscription-success' });
    expect(await alice.evaluate(() => (globalThis as any).harness.members('presence-lobby'))).to.deep.equal(['alice']);

    const bob = await open({ transports: ['xhr-streaming'] }, 'bob');
    await subscribe(bob, 'presence-lobby');
    await waitForLog(bob, { type: 'event', channel: 'presence-lobby', event: 'pushy:subscription-success' });
    expect(await bob.evaluate(() => (globalThis as any).harness.members('presence-lobby'))).to.deep.equal(['alice', 'bob']);
    await waitForLog(alice, { event: 'pushy:member-added' });
    const added = await alice.evaluate(() => (globalThis as any).harness.log.find((e: any) => e.event === 'pushy:member-added').data);
    expect(added).to.include({ id: 'bob', name: 'User bob', idle: false });
    expect(await alice.evaluate(() => (globalThis as any).harness.members('presence-lobby'))).to.deep.equal(['alice', 'bob']);

    await bob.close();
    tabs.splice(tabs.indexOf(bob), 1);
    await waitForLog(alice, { event: 'pushy:member-quit' });
    expect(await alice.evaluate(() => (globalThis as any).harness.members('presence-lobby'))).to.deep.equal(['alice']);
  });

  it('takes the full SockJS URL, as pages written for the v1 client give it, without doubling the path', async () => {
    const tab = await browser.newPage();
    tabs.push(tab);
    const requested: string[] = [];
    tab.on('request', (request) => requested.push(new URL(request.url()).pathname));
    await tab.goto(page.url);
    await tab.evaluate((url) => (globalThis as any).harness.start(url, {}), `${srv.url}/pushy/socket`);
    await waitForLog(tab, { type: 'connect' });
    await subscribe(tab, 'v1-page', ['news']);
    await waitForLog(tab, { type: 'event', channel: 'v1-page', event: 'pushy:subscription-success' });
    await trigger(srv.url, 'v1-page', 'news', { ported: true }, { secret: srv.secret });
    await waitForLog(tab, { type: 'event', channel: 'v1-page', event: 'news', data: { ported: true } });
    expect(requested.filter((path) => path.startsWith('/pushy/socket/')), 'SockJS requests').to.not.be.empty;
    expect(requested.filter((path) => path.includes('/pushy/socket/pushy/socket'))).to.deep.equal([]);
  });

  it('exec() queued before the connection is up resolves with the reply; refusals reject with the code', async () => {
    const tab = await browser.newPage();
    tabs.push(tab);
    await tab.goto(page.url);
    const outcome = await tab.evaluate(async (url) => {
      const w = globalThis as any;
      const pushy = new w.Pushy(url, { autoConnect: false });
      // Issued while still "initialized": queued, then sent once connected.
      const reply = pushy.exec('subscribe', { channel: 'Exec-Chan' });
      const refused = pushy.exec('no-such-command', {}).then(
        () => 'resolved',
        (error: any) => ({ name: error.name, code: error.code }),
      );
      pushy.connect();
      const result = { reply: await reply, refused: await refused, state: pushy.state };
      pushy.disconnect();
      return result;
    }, srv.url);
    expect(outcome.reply).to.deep.include({ channel: 'exec-chan', subscribed: true });
    expect(outcome.refused).to.deep.equal({ name: 'PushyCommandError', code: '200' });
    expect(outcome.state).to.equal('connected');
  });
});
