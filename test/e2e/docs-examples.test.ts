import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchBrowser } from '../helpers/browser.js';
import { BackgroundCommand } from '../helpers/command.js';
import { docCode } from '../helpers/docs.js';
import { eventually } from '../helpers/http.js';
import { PROJECT_ROOT } from '../helpers/process.js';
import { freePort } from '../helpers/redis.js';
import { SnippetProject } from '../helpers/snippet-project.js';
import { findExecutable, requireService } from '../helpers/services.js';

const run = promisify(execFile);

/** Ports the docs show; the tests put free ones in their place. */
const SHOWN_PUSHY_URL = 'http://localhost:8123';
const SHOWN_APP_PORT = '8080';

describe('e2e: the examples the quick start leads to run as written', function () {
  this.timeout(60_000);

  describe('docs/client.md: a page, its backend and a publish, in Chromium', () => {
    let project: SnippetProject;
    let pushy: BackgroundCommand;
    let app: BackgroundCommand;
    let appPort: number;
    let browser: Browser | undefined;

    before(async function () {
      requireService(this, 'chromium', chromiumAvailable);
      requireService(this, 'curl', findExecutable('curl') !== undefined);
      const [startPushy, startApp] = docCode('docs/client.md', 'client-start').trim().split('\n') as [string, string];
      expect(startPushy).to.match(/^PUSHY_SECRET_KEY=my-secret npm start\b/);
      expect(startApp).to.match(/^PUSHY_SECRET_KEY=my-secret node app\.mjs\b/);

      // Pushy in the project, as the first line says (on a free port instead of 8123).
      pushy = BackgroundCommand.start(startPushy, { cwd: PROJECT_ROOT, env: { PUSHY_PORT: '0', PUSHY_HOST: '127.0.0.1' } });
      const pushyUrl = `http://localhost:${(await pushy.waitFor(/listening on https?:\/\/[^\s:]+:(\d+)/))[1]!}`;

      // The page and the backend in an app folder that has pushy-server installed.
      project = new SnippetProject();
      appPort = await freePort();
      project.write('index.html', docCode('docs/client.md', 'client-page').replaceAll(SHOWN_PUSHY_URL, pushyUrl));
      project.write('app.mjs', docCode('docs/client.md', 'client-backend').replaceAll(SHOWN_PUSHY_URL, pushyUrl).replace(`.listen(${SHOWN_APP_PORT})`, `.listen(${appPort})`));
      app = BackgroundCommand.start(startApp, { cwd: project.dir });
      // The backend says nothing when it listens: wait until it serves the page.
      await eventually(async () => expect((await fetch(`http://localhost:${appPort}/`)).status).to.equal(200), 10_000);
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      await app?.stop();
      await pushy?.stop();
      project?.remove();
    });

    it('joins the presence channel through the backend and shows a published story', async () => {
      const tab = await browser!.newPage();
      tab.on('pageerror', (error) => process.stderr.write(`  [page error] ${error.message}\n`));
      await tab.goto(`http://localhost:${appPort}/`);
      const shown = (text: string): string => `[...document.querySelectorAll('#log li')].some((li) => li.textContent === ${JSON.stringify(text)})`;
      // The presence subscription went through the backend's auth endpoint.
      await tab.waitForFunction(shown('here: Ann'), null, { timeout: 15_000 });
      await tab.waitForFunction(`pushy.channel('news').subscribed`, null, { timeout: 10_000 });

      const publish = docCode('docs/client.md', 'client-publish').replaceAll(`localhost:${SHOWN_APP_PORT}`, `localhost:${appPort}`);
      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', publish]);
      expect(JSON.parse(stdout)).to.deep.equal({ status: { code: 201, message: 'Ok' } });
      await tab.waitForFunction(shown('story: Hello'), null, { timeout: 10_000 });
      expect(app.output, 'backend output').to.equal('');
    });
  });

  describe('docs/install.md: embedding', () => {
    let project: SnippetProject;
    before(() => {
      project = new SnippetProject();
    });
    after(() => project.remove());

    it('runs the embedding example, which logs at the configured logLevel on stderr', async () => {
      project.write('config.json', JSON.stringify({ port: 0, host: '127.0.0.1', logLevel: 'info' }));
      const script = project.write('embed.mjs', docCode('docs/install.md', 'embed-example'));
      const { stdout, stderr } = await run(process.execPath, [script], { cwd: project.dir });
      expect(stdout).to.equal('');
      expect(stderr).to.match(/ INFO Pushy listening /);
      expect(stderr).to.match(/ INFO Pushy stopped/);
    });

    it('runs the logger example: its own logger, at its own level', async () => {
      const port = await freePort();
      project.write('config.json', JSON.stringify({ port, host: '127.0.0.1', logLevel: 'debug' }));
      project.write('logger.mjs', docCode('docs/install.md', 'logger-example'));
      const embedded = BackgroundCommand.start(`${JSON.stringify(process.execPath)} logger.mjs`, { cwd: project.dir });
      try {
        await eventually(async () => expect((await fetch(`http://127.0.0.1:${port}/pushy/health`)).status).to.equal(200), 10_000);
        // debug in the config, but the logger passed keeps warnings and errors only.
        expect(embedded.output).to.equal('');
      } finally {
        await embedded.stop();
      }
    });
  });
});
