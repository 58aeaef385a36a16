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

  it('shows only the Join form before joining and only the Send form after; a second join opens no second connection', async () => {
    const page = await browser.newPage();
    const documents: string[] = [];
    const sockjsSessions: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'document') documents.push(request.url());
      if (new URL(request.url()).pathname.endsWith('/pushy/socket/info')) sockjsSessions.push(request.url());
    });
    await page.goto(example.appUrl);
    expect(await page.isVisible('#join button'), 'Join before joining').to.equal(true);
    expect(await page.isHidden('#say'), 'Send form before joining').to.equal(true);
    // Even when submitted by script, the Send form does not reload the page before joining.
    await page.locator('#text').evaluate((input: any) => (input.value = 'too early'));
    await page.locator('#say').evaluate((form: any) => form.requestSubmit());

    await page.fill('#name', 'carol');
    await page.press('#name', 'Enter');
    await page.locator('#members li', { hasText: 'carol (you)' }).waitFor();
    expect(await page.isHidden('#join'), 'Join form after joining').to.equal(true);
    expect(await page.isVisible('#say button'), 'Send after joining').to.equal(true);
    // Joining again (a double Enter, a script) is ignored rather than opening a second connection.
    await page.locator('#join').evaluate((form: any) => form.requestSubmit());

    for (const text of ['first', 'second']) {
      await page.fill('#text', text);
      await page.press('#text', 'Enter');
      await page.locator('#messages li', { hasText: text }).waitFor();
    }
    // "second" arrived after "first" on the one connection: a copy of "first" would have too.
    expect(await page.locator('#messages li', { hasText: 'first' }).count()).to.equal(1);
    expect(await page.locator('#messages li', { hasText: 'second' }).count()).to.equal(1);
    expect(await page.locator('#messages li', { hasText: 'too early' }).count()).to.equal(0);
    expect(sockjsSessions, 'SockJS sessions opened').to.have.length(1);
    expect(documents, 'page loads').to.deep.equal([example.appUrl]);
    await page.close();
  });

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
