import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { channelAuthHandler, type ChannelAuthHandlerOptions } from '../../lib/native/auth-endpoint.js';

/** Debian's Chromium, driven headless by playwright-core. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** True when Chromium is installed. */
export const chromiumAvailable = existsSync(CHROMIUM_PATH);

/** Launches one headless Chromium for a suite (reuse it across the suite's tests). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Runs in the page: wraps the global `Pushy` from /pushy/client.js and records everything
 * the app would see, so tests can wait for an entry instead of sleeping.
 */
const HARNESS = `
window.harness = {
  log: [],
  pushy: null,
  start(url, options) {
    const pushy = new Pushy(url, options);
    this.pushy = pushy;
    pushy.bind('state', (s) => this.log.push({ type: 'state', current: s.current }));
    pushy.bind('connect', (info) => this.log.push({ type: 'connect', socketId: info.socketId, protocol: info.protocol }));
    pushy.bind('disconnect', (info) => this.log.push({ type: 'disconnect', reason: info.reason }));
    pushy.bind('error', (data) => this.log.push({ type: 'error', data }));
  },
  subscribe(name, events) {
    const channel = this.pushy.channel(name);
    const names = ['pushy:subscription-success', 'subscription-error', 'pushy:member-added', 'pushy:member-quit'].concat(events || []);
    for (const event of names) channel.bind(event, (data, info) => this.log.push({ type: 'event', channel: channel.name, event, data, from: info && info.channel, memberId: info && info.memberId }));
    channel.subscribe();
  },
  publish(name, event, data) {
    return this.pushy.channel(name).publish(event, data).then(() => true, (error) => ({ code: error.code, message: error.message }));
  },
  members(name) {
    return this.pushy.channel(name).members.map((m) => m.id).sort();
  },
  count(match) {
    return this.log.filter((entry) => Object.keys(match).every((k) => JSON.stringify(entry[k]) === JSON.stringify(match[k]))).length;
  },
};
`;

/** What the page server's auth endpoint decides; `user` comes from the auth URL's query. */
export type PageAuthorize = (request: { channel: string; user: string | null }) => ReturnType<ChannelAuthHandlerOptions['authorize']>;

/** The app side of a browser test: serves the page and the auth endpoint on its own origin. */
export interface PageServer {
  /** e.g. `http://127.0.0.1:40000/` */
  url: string;
  /** Auth requests received, in order. */
  authRequests: Array<{ channel: string; user: string | null }>;
  close(): Promise<void>;
}

/**
 * Starts the app's HTTP server: `GET /` is a page that loads `<pushyUrl>/pushy/client.js`
 * (so the page and Pushy are on different origins, as in production), `POST /auth` signs
 * with `secretKey` as `authorize` decides.
 */
export async function startPageServer(options: { pushyUrl: () => string; secretKey: string; authorize: PageAuthorize }): Promise<PageServer> {
  const authRequests: PageServer['authRequests'] = [];
  const auth = channelAuthHandler({
    secretKey: options.secretKey,
    authorize: ({ channel, req }) => {
      const user = new URL(req.url ?? '/', 'http://page.invalid').searchParams.get('user');
      authRequests.push({ channel, user });
      return options.authorize({ channel, user });
    },
  });
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://page.invalid').pathname;
    if (req.method === 'POST' && path === '/auth') {
      void auth(req, res);
      return;
    }
    if (req.method === 'GET' && path === '/') {
      const html = `<!doctype html><html><head><meta charset="utf-8"><title>pushy test</title>
<script src="${options.pushyUrl()}/pushy/client.js"></script><script>${HARNESS}</script></head><body></body></html>`;
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(html);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    authRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A log entry the harness recorded. */
export type LogEntry = Record<string, unknown>;

/** Opens the test page and starts a client with `options` (plus the page's auth endpoint). */
export async function openClient(browser: Browser, page: PageServer, pushyUrl: string, options: Record<string, unknown> = {}, user = 'anon'): Promise<Page> {
  const tab = await browser.newPage();
  tab.on('pageerror', (error) => process.stderr.write(`  [page error] ${error.message}\n`));
  await tab.goto(page.url);
  await tab.evaluate(
    ({ url, opts }) => (globalThis as any).harness.start(url, opts),
    { url: pushyUrl, opts: { authEndpoint: `/auth?user=${encodeURIComponent(user)}`, ...options } },
  );
  return tab;
}

/** Waits (no sleeping: Playwright polls the page) until `count` log entries match `match`. */
export async function waitForLog(tab: Page, match: LogEntry, count = 1, timeout = 10_000): Promise<void> {
  try {
    await tab.waitForFunction(({ m, n }) => (globalThis as any).harness.count(m) >= n, { m: match, n: count }, { timeout, polling: 20 });
  } catch (error) {
    const log = await tab.evaluate(() => (globalThis as any).harness.log);
    throw new Error(`waiting for ${count} x ${JSON.stringify(match)}: ${(error as Error).message.split('\n')[0]}\nlog: ${JSON.stringify(log).slice(-2000)}`);
  }
}

/** How many log entries match. */
export function countLog(tab: Page, match: LogEntry): Promise<number> {
  return tab.evaluate((m) => (globalThis as any).harness.count(m) as number, match);
}

/** Subscribes the page's client to `channel`, binding `events`. */
export function subscribe(tab: Page, channel: string, events: string[] = []): Promise<void> {
  return tab.evaluate(({ c, e }) => (globalThis as any).harness.subscribe(c, e), { c: channel, e: events });
}
