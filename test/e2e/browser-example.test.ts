import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { startChatExample, type ChatExample } from '../../examples/chat/app.js';
import { chromiumAvailable, launchBrowser } from '../helpers/browser.js';
import { requireService } from '../helpers/services.js';

describe('e2e: the chat example works in Chromium', function () {
  this.timeout(30_000);
  let browser: Browser;
  let example: ChatExample;

  before(async function () {
    requireService(this, 'chromium', chromiumAvailable);
    example = await startChatExample({ appPort: 0, pushyPort: 0, host: '127.0.0.1', secretKey: 'example-test-secret' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await example?.close();
  });

  async function join(name: string): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(example.appUrl);
    await page.fill('#name', name);
    await page.click('#join button');
    await page.locator('#members li', { hasText: `${name} (you)` }).waitFor();
    return page;
  }

  it('shows who is there, says who joins and leaves, and delivers messages to everyone', async () => {
    const alice = await join('alice');
    const bob = await join('bob');
    await alice.locator('#members li', { hasText: 'bob' }).waitFor();
    await alice.locator('#messages li', { hasText: 'bob joined' }).waitFor();
    expect(await bob.locator('#members li').allTextContents()).to.have.members(['alice', 'bob (you)']);

    await bob.fill('#text', 'hello <b>alice</b>');
    await bob.click('#say button');
    for (const page of [alice, bob]) await page.locator('#messages li', { hasText: 'hello <b>alice</b>' }).waitFor();

    await bob.close();
    await alice.locator('#messages li', { hasText: 'bob left' }).waitFor();
    expect(await alice.locator('#members li').allTextContents()).to.deep.equal(['alice (you)']);
    await alice.close();
  });
});
