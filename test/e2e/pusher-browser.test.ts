import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchBrowser } from '../helpers/browser.js';
import { pusherApps, PUSHER_APP } from '../helpers/pusher.js';
import { requireService } from '../helpers/services.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** The pusher-js browser bundle, unmodified. */
const BUNDLE = readFileSync(createRequire(import.meta.url).resolve('pusher-js/dist/web/pusher.min.js'));

/** A page that connects with the bundle to the Pushy port in its query and records what it gets. */
const PAGE = `<!doctype html><script src="/pusher.min.js"></script><script>
const q = new URLSearchParams(location.search);
const port = Number(q.get('port'));
window.received = [];
const pusher = new Pusher(${JSON.stringify(PUSHER_APP.key)}, { cluster: 'mt1', wsHost: '127.0.0.1', wsPort: port, httpHost: '127.0.0.1', httpPort: port, forceTLS: false, enabledTransports: [q.get('transport')], disableStats: true });
const channel = pusher.subscribe('browser-news');
channel.bind('pusher:subscription_succeeded', () => { window.subscribed = true; });
channel.bind('news', (data) => window.received.push(data));
</script>`;

describe('Pusher endpoint: the pusher-js browser bundle in Chromium', function () {
  this.timeout(30_000);
  let browser: Browser;
  let server: TestServer;
  let pages: http.Server;
  let pagesUrl = '';

  before(async function () {
    requireService(this, 'chromium', chromiumAvailable);
    server = await startServer(pusherApps() as never);
    pages = http.createServer((req, res) => {
      if (req.url === '/pusher.min.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(BUNDLE);
      else res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE);
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    pagesUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    pages?.close();
    await server?.close();
  });

  for (const transport of ['ws', 'xhr_streaming'] as const) {
    it(`subscribes and receives an event over ${transport}`, async () => {
      const tab = await browser.newPage();
      try {
        await tab.goto(`${pagesUrl}/?port=${new URL(server.url).port}&transport=${transport}`);
        await tab.waitForFunction('window.subscribed === true');
        await server.server.channels.publish({ type: 'event', app: PUSHER_APP.id, channel: 'browser-news', event: 'news', data: `{"over":"${transport}"}` });
        await tab.waitForFunction('window.received.length === 1');
        expect(await tab.evaluate('window.received')).to.deep.equal([{ over: transport }]);
      } finally {
        await tab.close();
      }
    });
  }
});
