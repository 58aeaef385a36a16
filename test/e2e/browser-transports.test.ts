import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchBrowser, openClient, startPageServer, subscribe, waitForLog, type PageServer } from '../helpers/browser.js';
import { requireService } from '../helpers/services.js';
import { spawnServer, type ServerProcess } from '../helpers/process-server.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

/** Every SockJS transport a browser can use, as named in the client's `transports` option. */
const BROWSER_TRANSPORTS = [
  'websocket',
  'xhr-streaming',
  'xhr-polling',
  'eventsource',
  'iframe-eventsource',
  'iframe-htmlfile',
  'iframe-xhr-polling',
  'jsonp-polling',
] as const;

/** A server under test: where the page connects and triggers go. */
interface Target {
  url: string;
  secret: string;
  close(): Promise<unknown>;
}

describeTransports('one process', async () => {
  const srv: TestServer = await startServer();
  return { url: srv.url, secret: srv.secret, close: () => srv.close() };
});

// Sticky sessions: every request of a session (the xhr and jsonp posts beside a stream, the
// iframe's) reaches the worker that holds it, through one port.
describeTransports('workers: 2', async () => {
  const srv: ServerProcess = await spawnServer({ workers: 2 });
  return { url: srv.url, secret: srv.secret, close: () => srv.stop() };
});

function describeTransports(name: string, start: () => Promise<Target>): void {
  describe(`e2e: browser client over every SockJS transport (Chromium), ${name}`, function () {
    this.timeout(30_000);
    let browser: Browser;
    let srv: Target;
    let page: PageServer;

    before(async function () {
      requireService(this, 'chromium', chromiumAvailable);
      srv = await start();
      page = await startPageServer({ pushyUrl: () => srv.url, secretKey: srv.secret, authorize: () => true });
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
      await page?.close();
      await srv?.close();
    });

    it('serves the script-tag bundle at /pushy/client.js', async () => {
      const response = await fetch(`${srv.url}/pushy/client.js`);
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.match(/javascript/);
      const text = await response.text();
      expect(text).to.contain('pushy:subscription-needauth');
      expect(text).to.not.match(/jquery/i);
    });

    for (const transport of BROWSER_TRANSPORTS) {
      it(`subscribes and receives triggered events over ${transport}`, async () => {
        const tab = await openClient(browser, page, srv.url, { transports: [transport] });
        try {
          // The server names the transport it serves; an iframe transport runs its inner one.
          await waitForLog(tab, { type: 'connect', protocol: transport.replace(/^iframe-/, '') });
          const channel = `News-${transport}`;
          await subscribe(tab, channel, ['story']);
          await waitForLog(tab, { type: 'event', channel: channel.toLowerCase(), event: 'pushy:subscription-success' });
          for (const n of [1, 2]) {
            const answer = await trigger(srv.url, channel, 'story', { n, transport }, { secret: srv.secret });
            expect(answer.status).to.equal(201);
            await waitForLog(tab, { type: 'event', channel: channel.toLowerCase(), event: 'story', data: { n, transport } });
          }
          expect(await tab.evaluate(() => (globalThis as any).harness.count({ event: 'story' }))).to.equal(2);
        } finally {
          await tab.close();
        }
      });
    }
  });
}
