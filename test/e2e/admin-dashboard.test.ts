import { expect } from 'chai';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createAdapter, type Adapter } from '../../lib/adapter.js';
import { loadConfig } from '../../lib/config.js';
import { createLogger } from '../../lib/logger.js';
import { signChannel } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { requireService } from '../helpers/services.js';
import { trigger } from '../helpers/trigger.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ADMIN = { username: 'ops', password: 'dashboard-test-password' };
/** With PUSHY_UPDATE_SCREENSHOTS=1 the screenshot also replaces the one the README shows. */
const UPDATE_DOCS = process.env.PUSHY_UPDATE_SCREENSHOTS === '1';

describe('e2e: admin dashboard in Chromium', function () {
  this.timeout(UPDATE_DOCS ? 180000 : 60000);
  let srv: TestServer;
  let browser: Browser;
  const clients: TestClient[] = [];

  before(async function () {
    requireService(this, 'chromium', existsSync(CHROMIUM));
    srv = await startServer({ admin: ADMIN });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
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

  /** A few more clients, a presence channel and some traffic, so the screenshot shows something. */
  async function addScenery(page: Page): Promise<void> {
    const transports = ['websocket', 'xhr-streaming', 'xhr-polling'] as const;
    for (const [i, name] of ['Ann', 'Bob', 'Cy'].entries()) {
      const client = await TestClient.connect(srv.url, transports[i]);
      clients.push(client);
      const data = JSON.stringify({ id: `user-${i + 1}`, name });
      const auth = signChannel({ socketId: client.socketId, channel: 'presence-lobby', presenceData: data, secretKey: srv.secret });
      await client.subscribe('presence-lobby', { auth, data });
      await client.subscribe('news');
      await client.subscribe(`private-user-${i + 1}`, { auth: signChannel({ socketId: client.socketId, channel: `private-user-${i + 1}`, secretKey: srv.secret }) });
    }
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
    requireService(this, 'chromium', existsSync(CHROMIUM));
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
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

      // A client on node b: node a's dashboard shows it on b's row (after b's next heartbeat).
      const client = await TestClient.connect(b.srv.url, 'websocket');
      clients.push(client);
      await waitForText(page, `#nodes tr[data-node="${b.nodeId}"] .connections`, '1');
      expect(await page.textContent(`#nodes tr[data-node="${a.nodeId}"] .connections`)).to.equal('0');
      const table = page.locator('#nodes').locator('xpath=..');
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
