import { expect } from 'chai';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createAdapter, type Adapter } from '../../lib/adapter.js';
import { loadConfig } from '../../lib/config.js';
import { createLogger } from '../../lib/logger.js';
import { signChannel } from '../../lib/signing.js';
import { chromiumAvailable, launchBrowser } from '../helpers/browser.js';
import { TestClient } from '../helpers/client.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { requireService } from '../helpers/services.js';
import { trigger } from '../helpers/trigger.js';

const ADMIN = { username: 'ops', password: 'dashboard-test-password' };
/** Long enough to wrap: a narrow screen must not scroll sideways for it. */
const LONG_CHANNEL = 'market-data.europe-west.instruments.equities.level-two-order-book-updates-0123456789';
/** With PUSHY_UPDATE_SCREENSHOTS=1 the screenshot also replaces the one the README shows. */
const UPDATE_DOCS = process.env.PUSHY_UPDATE_SCREENSHOTS === '1';

describe('e2e: admin dashboard in Chromium', function () {
  this.timeout(UPDATE_DOCS ? 180000 : 60000);
  let srv: TestServer;
  let browser: Browser;
  const clients: TestClient[] = [];

  before(async function () {
    requireService(this, 'chromium', chromiumAvailable);
    srv = await startServer({ admin: ADMIN });
    browser = await launchBrowser();
  });
  after(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await browser?.close();
    await srv?.close();
  });

  it('asks for the admin credential and refuses a wrong one', async () => {
    for (const httpCredentials of [undefined, { username: ADMIN.username, password: 'wrong' }]) {
      const context = await browser.newContext(httpCredentials ? { httpCredentials } : {});
      try {
        const page = await context.newPage();
        const challenged = page.waitForResponse((r) => r.url().endsWith('/pushy/admin'));
        // Headless Chromium cannot show a login prompt: with no credential it gives up on the
        // challenge, with a wrong one it shows the 401 answer. Either way, no dashboard.
        const navigation = await page.goto(`${srv.url}/pushy/admin`).then(
          () => 'loaded',
          (error: Error) => error.message,
        );
        if (navigation !== 'loaded') expect(navigation).to.include('ERR_INVALID_AUTH_CREDENTIALS');
        const response = await challenged;
        expect(response.status()).to.equal(401);
        expect(await response.headerValue('www-authenticate')).to.match(/^Basic realm="Pushy admin"/);
        expect(await page.locator('#total-connections').count()).to.equal(0);
      } finally {
        await context.close();
      }
    }
  });

  it('lists the apps with their state, keys and this node\'s connections, never a secret', async () => {
    const apps = [
      { id: 'alpha', name: 'Alpha shop', key: 'alpha-key', secret: 'alpha-dashboard-secret' },
      { id: 'off', key: 'off-key', secret: 'off-dashboard-secret', enabled: false },
    ];
    const withApps = await startServer({ admin: ADMIN, apps } as never);
    const context = await browser.newContext({ httpCredentials: ADMIN });
    const client = await TestClient.connect(withApps.url, 'websocket', '/pushy/app/alpha-key/socket');
    try {
      const page = await context.newPage();
      await page.goto(`${withApps.url}/pushy/admin`);
      await page.locator('#status.live').waitFor();
      await waitForText(page, '#apps tr[data-app="alpha"] td[data-label="Connections"]', '1');
      expect(await page.textContent('#apps tr[data-app="alpha"] td[data-label="Name"]')).to.equal('Alpha shop');
      expect(await page.textContent('#apps tr[data-app="off"] td[data-label="State"]')).to.equal('disabled');
      expect(await page.textContent('#apps tr[data-app="default"] td[data-label="Connections"]')).to.equal('0');
      expect(await page.textContent('#apps-store')).to.equal('config store, read-only');
      expect(await page.content()).not.to.contain('dashboard-secret');
    } finally {
      await client.close();
      await context.close();
      await withApps.close();
    }
  });

  it('shows a new connection, triggers from the console, and sees the event in the console and the client', async () => {
    const context = await browser.newContext({ httpCredentials: ADMIN, viewport: { width: 1280, height: 1000 } });
    const problems: string[] = [];
    try {
      const page = await context.newPage();
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
      });
      const response = await page.goto(`${srv.url}/pushy/admin`);
      expect(response?.status()).to.equal(200);
      await page.locator('#status.live').waitFor();
      expect(await page.textContent('#total-connections')).to.equal('0');
      // The memory adapter: the node table is this node alone.
      expect(await page.locator('#nodes tbody tr').count()).to.equal(1);
      expect(await page.locator('#nodes tbody tr.self').count()).to.equal(1);
      expect(await page.textContent('#nodes-note')).to.include('Memory adapter');
      expect(await page.isHidden('#cluster-redis')).to.equal(true);

      // Another client connects and subscribes: the dashboard shows it on its next refresh.
      const client = await TestClient.connect(srv.url, 'websocket');
      clients.push(client);
      await client.subscribe('news');
      await waitForText(page, '#total-connections', '1');
      await waitForText(page, '#channels tr[data-channel="news"] .subscribers', '1');

      // The console watches the same channel over its own Pushy connection.
      await page.fill('#console-channel', 'news');
      await page.click('#subscribe-form button[type=submit]');
      await page.locator('#watching li.watching[data-channel="news"]').waitFor();
      await waitForText(page, '#total-connections', '2');

      await page.fill('#trigger-channel', 'news');
      await page.fill('#trigger-event', 'hello-from-console');
      await page.fill('#trigger-data', '{"msg": "hi from the dashboard"}');
      await page.click('#trigger-form button[type=submit]');

      const logged = page.locator('#console-log li[data-event="hello-from-console"][data-channel="news"]');
      await logged.waitFor();
      expect(await logged.textContent()).to.include('{"msg":"hi from the dashboard"}');
      expect(await client.next('hello-from-console')).to.deep.equal({
        event: 'hello-from-console',
        channel: 'news',
        data: { msg: 'hi from the dashboard' },
        offset: 1,
      });
      await waitForText(page, '#trigger-result', 'sent (1 node with subscribers)');

      await addScenery(page);
      const shots = path.resolve('test-results');
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: path.join(shots, 'admin-dashboard.png'), fullPage: true });
      if (UPDATE_DOCS) await page.screenshot({ path: path.resolve('docs/admin-dashboard.png'), fullPage: true });
      expect(problems).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it('opens a channel from the keyboard: Tab reaches the channel links (focus shown, and kept across refreshes), Enter shows its members', async () => {
    await sceneryClients();
    const { page, problems, close } = await openDashboard(1280);
    try {
      const lobby = '#channels a[data-channel="presence-lobby"]';
      await page.locator(lobby).waitFor();
      await page.focus('#channel-filter');
      let tabs = 0;
      while (!(await page.evaluate((selector) => (globalThis as any).document.activeElement.matches(selector), lobby))) {
        expect(++tabs, 'Tab presses to reach the presence-lobby link').to.be.below(20);
        await page.keyboard.press('Tab');
      }
      const outline = await page.evaluate(() => {
        const style = (globalThis as any).getComputedStyle((globalThis as any).document.activeElement);
        return { style: style.outlineStyle as string, width: parseFloat(style.outlineWidth) };
      });
      expect(outline.style).to.not.equal('none');
      expect(outline.width).to.be.at.least(2);

      // A new channel moves the rows around on the next refresh: the focus stays on the link.
      const newcomer = await TestClient.connect(srv.url, 'websocket');
      clients.push(newcomer);
      await newcomer.subscribe('aaa-keyboard');
      await page.locator('#channels tr[data-channel="aaa-keyboard"]').waitFor();
      expect(await page.evaluate((selector) => (globalThis as any).document.activeElement.matches(selector), lobby)).to.equal(true);

      await page.keyboard.press('Enter');
      await waitForText(page, '#members-channel', 'presence-lobby');
      expect(await page.isVisible('#members')).to.equal(true);
      await page.locator('#members-list li', { hasText: 'Cy' }).waitFor();
      expect(await page.evaluate(() => (globalThis as any).location.hash)).to.equal('#channel=presence-lobby');
      expect(await page.getAttribute(lobby, 'aria-current')).to.equal('true');
      expect(problems).to.deep.equal([]);
    } finally {
      await close();
    }
  });

  it('watches a presence channel from the console through the served browser client, signed by the admin API', async () => {
    await sceneryClients();
    const requests: string[] = [];
    const { page, problems, close } = await openDashboard(1280);
    page.on('request', (request) => requests.push(new URL(request.url()).pathname));
    try {
      // The page has the Pushy client and no bare SockJS to hand-write the protocol with.
      expect(await page.evaluate(() => [typeof (globalThis as any).Pushy, typeof (globalThis as any).SockJS])).to.deep.equal(['function', 'undefined']);
      await page.fill('#console-channel', 'presence-lobby');
      await page.fill('#console-presence', '{"id":"ops-console","name":"Ops"}');
      await page.click('#subscribe-form button[type=submit]');
      await page.locator('#watching li.watching[data-channel="presence-lobby"]').waitFor();
      expect(await page.textContent('#console-state')).to.equal('connected');
      const watching = page.locator('#console-log li[data-event="watching"][data-channel="presence-lobby"]');
      expect(await watching.textContent()).to.include('"id":"ops-console"').and.include('"id":"user-1"');
      expect(requests).to.include('/pushy/admin/api/auth');
      await waitForText(page, '#channels tr[data-channel="presence-lobby"] .members', '4');

      await trigger(srv.url, 'presence-lobby', 'standup', { at: '9:30' }, { secret: srv.secret });
      const event = page.locator('#console-log li[data-event="standup"][data-channel="presence-lobby"]');
      await event.waitFor();
      expect(await event.textContent()).to.include('{"at":"9:30"}');

      await page.click('#watching li[data-channel="presence-lobby"] button');
      await page.locator('#console-log li[data-event="stopped watching"][data-channel="presence-lobby"]').waitFor();
      expect(await page.locator('#watching li').count()).to.equal(0);
      await waitForText(page, '#channels tr[data-channel="presence-lobby"] .members', '3');
      expect(requests.filter((path) => path.endsWith('sockjs.min.js'))).to.deep.equal([]);
      expect(problems).to.deep.equal([]);
    } finally {
      await close();
    }
  });

  it('fits 1280 px and 420 px: nothing wider than the screen, the nodes table stacks, two plots with labelled y axes', async () => {
    await sceneryClients();
    // Opened on a channel by its link, with the console watching, so the screenshots show every part.
    const { page, problems, close } = await openDashboard(1280, '#channel=presence-lobby');
    try {
      await page.locator('#members-list li', { hasText: 'Cy' }).waitFor();
      await page.fill('#console-channel', 'news');
      await page.click('#subscribe-form button[type=submit]');
      await page.locator('#watching li.watching[data-channel="news"]').waitFor();
      for (let n = 0; n < 3; n += 1) await trigger(srv.url, 'news', 'story', { n, headline: 'Pushy dashboard fits small screens' }, { secret: srv.secret });
      await page.locator('#console-log li[data-event="story"]', { hasText: '"n":2' }).waitFor();

      for (const width of [1280, 420]) {
        await page.setViewportSize({ width, height: 900 });
        // The plots are redrawn at their new size.
        await page.waitForFunction(
          () => ['chart-connections', 'chart-events'].every((id) => {
            const box = (globalThis as any).document.getElementById(id);
            return Math.abs(Number(box.getAttribute('viewBox').split(' ')[2]) - Math.max(200, box.clientWidth)) <= 1;
          }),
        );

        const overflow = await page.evaluate(() => {
          const doc = (globalThis as any).document;
          const limit = doc.documentElement.clientWidth;
          // Anything sticking out on the right, except inside a box that scrolls by design.
          const wide = [...doc.querySelectorAll('body *')]
            .filter((node: any) => !node.closest('.table-wrap, #console-log') && node.getBoundingClientRect().right > limit + 0.5)
            .map((node: any) => `${node.tagName.toLowerCase()}${node.id ? '#' + node.id : ''}.${node.className?.baseVal ?? node.className}`);
          return { scrollWidth: doc.documentElement.scrollWidth, limit, wide };
        });
        expect(overflow.wide, `elements wider than ${width} px`).to.deep.equal([]);
        expect(overflow.scrollWidth, `page width at ${width} px`).to.be.at.most(overflow.limit);
        const nodesTable = await page.locator('#nodes').evaluate((table: any) => ({ right: table.getBoundingClientRect().right, scroll: table.parentElement.scrollWidth, box: table.parentElement.clientWidth }));
        expect(nodesTable.right).to.be.at.most(width);
        expect(nodesTable.scroll, 'the nodes table needs no sideways scrolling').to.be.at.most(nodesTable.box);
        if (width === 420) {
          // Stacked: every cell on its own line, named by its column.
          // Read in one step in the page: the table is redrawn on every refresh, and a cell found
          // before a redraw is detached (no computed style) by the time it is read.
          await page.waitForFunction(
            () => {
              const td = (globalThis as any).document.querySelector('#nodes tbody tr.self td[data-label="Connections"]');
              return td !== null && (globalThis as any).getComputedStyle(td).display === 'flex';
            },
            undefined,
            { timeout: 5000 },
          );
        }

        for (const [id, series] of [['chart-connections', 'connections'], ['chart-events', 'events']] as const) {
          const labels = (await page.locator(`#${id} .y-axis text`).allTextContents()).map(Number);
          expect(labels.length, `${id} y-axis labels`).to.be.at.least(3);
          expect(labels.every((value) => Number.isFinite(value))).to.equal(true);
          expect(labels[0]).to.equal(0);
          expect(labels.at(-1)).to.be.above(0);
          expect([...labels].sort((a, b) => a - b)).to.deep.equal(labels);
          // One series per plot, each on its own scale.
          expect(await page.locator(`#${id} polyline`).count()).to.equal(1);
          expect(await page.locator(`#${id} polyline.${series}`).count()).to.equal(1);
          expect(await page.locator(`#${id} .x-axis text`).allTextContents()).to.deep.equal(['5 min ago', 'now']);
        }

        const shots = path.resolve('test-results');
        mkdirSync(shots, { recursive: true });
        await page.screenshot({ path: path.join(shots, `dashboard-${width}.png`), fullPage: true });
        if (UPDATE_DOCS) await page.screenshot({ path: path.resolve(`docs/dashboard-${width}.png`), fullPage: true });
      }
      expect(problems).to.deep.equal([]);
    } finally {
      await close();
    }
  });

  let scenery: Promise<void> | undefined;
  /** Three clients on a presence channel, private channels, news and a long channel name (once per suite). */
  function sceneryClients(): Promise<void> {
    scenery ??= (async () => {
      const transports = ['websocket', 'xhr-streaming', 'xhr-polling'] as const;
      for (const [i, name] of ['Ann', 'Bob', 'Cy'].entries()) {
        const client = await TestClient.connect(srv.url, transports[i]);
        clients.push(client);
        const data = JSON.stringify({ id: `user-${i + 1}`, name });
        const auth = signChannel({ socketId: client.socketId, channel: 'presence-lobby', presenceData: data, secretKey: srv.secret });
        await client.subscribe('presence-lobby', { auth, data });
        await client.subscribe('news');
        await client.subscribe(`private-user-${i + 1}`, { auth: signChannel({ socketId: client.socketId, channel: `private-user-${i + 1}`, secretKey: srv.secret }) });
        if (i === 0) await client.subscribe(LONG_CHANNEL);
      }
    })();
    return scenery;
  }

  /** The dashboard in a fresh context, failing the test on any page or console error. */
  async function openDashboard(width: number, hash = ''): Promise<{ page: Page; problems: string[]; close(): Promise<void> }> {
    const context = await browser.newContext({ httpCredentials: ADMIN, viewport: { width, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    expect((await page.goto(`${srv.url}/pushy/admin${hash}`))?.status()).to.equal(200);
    await page.locator('#status.live').waitFor();
    return { page, problems, close: () => context.close() };
  }

  /** A few more clients, a presence channel and some traffic, so the screenshot shows something. */
  async function addScenery(page: Page): Promise<void> {
    await sceneryClients();
    await waitForText(page, '#total-connections', '5');
    await page.click('#channels tr[data-channel="presence-lobby"] a');
    await page.locator('#members-list li', { hasText: 'Cy' }).waitFor();
    // In docs mode, a minute of light traffic so the chart has a shape; in tests, one burst.
    const rounds = UPDATE_DOCS ? 60 : 1;
    for (let round = 0; round < rounds; round += 1) {
      const burst = 3 + Math.round(4 * Math.abs(Math.sin(round / 6)));
      for (let n = 0; n < burst; n += 1) await trigger(srv.url, 'news', 'story', { round, n }, { secret: srv.secret });
      if (UPDATE_DOCS) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    await page.locator('#console-log li[data-event="story"]').first().waitFor();
  }
});

describe('e2e: admin dashboard node table on a Redis cluster, in Chromium', function () {
  this.timeout(60000);
  let redis: RedisServer;
  let browser: Browser;
  const servers: Array<{ srv: TestServer; adapter: Adapter }> = [];
  const clients: TestClient[] = [];

  /** An in-process node on the suite's Redis, with the admin side on. */
  async function startNode(): Promise<{ srv: TestServer; adapter: Adapter; nodeId: string }> {
    const config = loadConfig({
      env: {},
      overrides: { adapter: { type: 'redis', url: redis.url, keyPrefix: `dashboard-nodes-${process.pid}:`, commandTimeout: 1000, maxReconnectDelay: 200, heartbeatInterval: 200, nodeTimeout: 1500 } },
    });
    const adapterConfig = config.adapter;
    const adapter = await createAdapter(config, createLogger('silent'));
    const srv = await startServer({ admin: ADMIN, adapter: adapterConfig }, { broker: adapter.broker, presence: adapter.presence, nodes: adapter.nodes });
    servers.push({ srv, adapter });
    return { srv, adapter, nodeId: adapter.broker.nodeId };
  }

  before(async function () {
    requireService(this, 'chromium', chromiumAvailable);
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
    browser = await launchBrowser();
  });
  after(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await browser?.close();
    for (const { srv, adapter } of servers.splice(0)) {
      await srv.close();
      await adapter.close();
    }
    await redis?.destroy();
  });

  it('lists every node with its connections, and drops a node that closes', async () => {
    const a = await startNode();
    const b = await startNode();
    const context = await browser.newContext({ httpCredentials: ADMIN, viewport: { width: 1280, height: 1000 } });
    try {
      const page = await context.newPage();
      expect((await page.goto(`${a.srv.url}/pushy/admin`))?.status()).to.equal(200);
      await page.locator('#status.live').waitFor();
      await waitForText(page, '#cluster-redis', 'redis up');
      await page.locator(`#nodes tr.self[data-node="${a.nodeId}"]`).waitFor();
      await page.locator(`#nodes tr[data-node="${b.nodeId}"]:not(.self)`).waitFor();

      // A client on node b: node a's dashboard shows it on b's row (after b's next heartbeat),
      // and counts it in the tiles and the channel list, which are the whole cluster's.
      const client = await TestClient.connect(b.srv.url, 'websocket');
      clients.push(client);
      await client.subscribe('cluster-news');
      await waitForText(page, `#nodes tr[data-node="${b.nodeId}"] .connections`, '1');
      expect(await page.textContent(`#nodes tr[data-node="${a.nodeId}"] .connections`)).to.equal('0');
      await waitForText(page, '#total-connections', '1');
      await waitForText(page, '#total-channels', '1');
      await waitForText(page, '#total-subscriptions', '1');
      await waitForText(page, '#channels tr[data-channel="cluster-news"] .subscribers', '1');
      expect(await page.textContent('#totals-scope')).to.include('whole cluster, 2 nodes');
      const table = page.locator('section:has(#nodes)');
      const shots = path.resolve('test-results');
      mkdirSync(shots, { recursive: true });
      await table.screenshot({ path: path.join(shots, 'admin-nodes.png') });
      if (UPDATE_DOCS) await table.screenshot({ path: path.resolve('docs/admin-nodes.png') });

      await b.srv.close();
      await page.locator(`#nodes tr[data-node="${b.nodeId}"]`).waitFor({ state: 'detached', timeout: 10000 });
      expect(await page.locator('#nodes tbody tr').count()).to.equal(1);
    } finally {
      await context.close();
    }
  });
});

/** Waits until the element's text is exactly `text` (the dashboard refreshes every second). */
async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  const exactly = new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  await page.locator(selector).filter({ hasText: exactly }).waitFor({ timeout: 10000 });
}
