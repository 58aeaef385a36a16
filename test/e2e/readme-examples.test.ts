import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../../lib/config.js';
import { triggerUrl } from '../../lib/signing.js';
import { chromiumAvailable, launchBrowser } from '../helpers/browser.js';
import { BackgroundCommand } from '../helpers/command.js';
import { docCode, fencedBlocks, namedBlocks, readDoc } from '../helpers/docs.js';
import { PROJECT_ROOT } from '../helpers/process.js';
import { SnippetProject } from '../helpers/snippet-project.js';
import { findExecutable, requireService } from '../helpers/services.js';

const run = promisify(execFile);

/** The README's code blocks, in order; each is run below or, for the Pusher section, in readme-pusher.test.ts. */
const README_SNIPPETS = ['quickstart-start', 'quickstart-page', 'quickstart-trigger', 'quickstart-config', 'quickstart-config-start', 'tests', 'pusher-config', 'pusher-env', 'pusher-echo', 'pusher-js'];

/** What the quick start shows: Pushy on its default port. */
const SHOWN_URL = 'http://localhost:8123';

/** Where the quick start says to run Pushy; `node pushy-server.js` needs the root entry. */
const ROOT_ENTRY = path.join(PROJECT_ROOT, 'pushy-server.js');

describe('e2e: the README runs as written', function () {
  this.timeout(60_000);

  it('has no code block that this suite does not run', () => {
    const readme = readDoc('README.md');
    const named = namedBlocks(readme);
    expect(named.map((block) => block.name)).to.deep.equal(README_SNIPPETS);
    for (const block of fencedBlocks(readme)) {
      const owner = named.find((candidate) => candidate.start < block.index && block.index < candidate.end);
      expect(owner, `README code block at ${block.index} (${block.code.slice(0, 40)}...) is not in a tested <!-- name --> block`).to.not.equal(undefined);
    }
  });

  it('runs the tests with the package script that CI runs', async () => {
    expect(docCode('README.md', 'tests').trim()).to.equal('npm test');
    const ci = await readFile(path.join(PROJECT_ROOT, '.ci/run'), 'utf8');
    expect(ci).to.match(/^npm test$/m);
  });

  describe('quick start: npm start, a page from disk, a trigger with curl', () => {
    let server: BackgroundCommand;
    let pushyUrl: string;
    let secret: string;
    let project: SnippetProject;
    let browser: Browser | undefined;

    before(async function () {
      requireService(this, 'chromium', chromiumAvailable);
      requireService(this, 'curl', findExecutable('curl') !== undefined);
      // `npm install` already ran (the tests run from a built checkout); start as the README says,
      // on a free port instead of 8123.
      const start = docCode('README.md', 'quickstart-start').trim();
      expect(start).to.equal('npm install && npm start');
      server = BackgroundCommand.start(start.replace('npm install && ', ''), { cwd: PROJECT_ROOT, env: { PUSHY_PORT: '0', PUSHY_HOST: '127.0.0.1' } });
      const port = (await server.waitFor(/listening on https?:\/\/[^\s:]+:(\d+)/))[1]!;
      secret = (await server.waitFor(/secretKey\W+([0-9a-f]{32,})/))[1]!;
      pushyUrl = `http://localhost:${port}`;
      project = new SnippetProject();
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
      project?.remove();
    });

    it('shows an event triggered with curl in the page opened from disk', async () => {
      const page = project.write('hello.html', docCode('README.md', 'quickstart-page').replaceAll(SHOWN_URL, pushyUrl));
      const tab = await browser!.newPage();
      tab.on('pageerror', (error) => process.stderr.write(`  [page error] ${error.message}\n`));
      await tab.goto(pathToFileURL(page).href);
      // The page's own client (its top-level `pushy`): wait until its subscription is in place.
      await tab.waitForFunction(`pushy.channel('hello').subscribed`, null, { timeout: 15_000 });

      const script = docCode('README.md', 'quickstart-trigger').replace(/^SECRET=.*$/m, `SECRET=${secret}`).replaceAll(SHOWN_URL, pushyUrl);
      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script]);
      expect(JSON.parse(stdout)).to.deep.equal({ status: { code: 201, message: 'Ok' } });
      await tab.waitForFunction(`document.querySelector('#events li')?.textContent === 'Hello from Pushy'`, null, { timeout: 10_000 });
    });
  });

  describe('a config file: node pushy-server.js config.json', () => {
    let project: SnippetProject;
    let server: BackgroundCommand | undefined;
    before(() => {
      project = new SnippetProject();
    });
    after(async () => {
      await server?.stop();
      project.remove();
    });

    it('is a valid config file', () => {
      const file = project.write('config.json', docCode('README.md', 'quickstart-config'));
      const config = loadConfig({ file, env: {} });
      expect(config.secretKey).to.equal('change-me-to-a-long-random-secret');
    });

    it('starts the server with that file from the project root, and it signs with its secret', async function () {
      if (!existsSync(ROOT_ENTRY)) {
        process.stderr.write(`\n  !!! SKIPPING "${this.test?.title}": ${ROOT_ENTRY} does not exist (the build writes it with the CLI of issue #20)\n`);
        this.skip();
      }
      const file = project.write('config.json', docCode('README.md', 'quickstart-config'));
      const line = docCode('README.md', 'quickstart-config-start').trim();
      expect(line).to.equal('node pushy-server.js config.json');
      // The file's port (8123) may be taken here: the environment overrides it, as documented.
      server = BackgroundCommand.start(line.replace('config.json', JSON.stringify(file)), { cwd: PROJECT_ROOT, env: { PUSHY_PORT: '0', PUSHY_HOST: '127.0.0.1' } });
      const url = (await server.waitFor(/listening on (https?:\/\/\S+?:\d+)/))[1]!;
      const secretKey = loadConfig({ file, env: {} }).secretKey;
      const answer = await fetch(triggerUrl({ baseUrl: url, channel: 'hello', event: 'greeting', body: '{}', secretKey }), { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      expect(answer.status).to.equal(200);
    });
  });
});
