import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import type { WebhookEvent } from '../../lib/webhooks/webhook-event.js';
import type { Webhooks } from '../../lib/webhooks/webhooks.js';
import { BackgroundCommand } from '../helpers/command.js';
import { docCode } from '../helpers/docs.js';
import { eventually } from '../helpers/http.js';
import { freePort } from '../helpers/redis.js';
import { recordLogs } from '../helpers/redis-node.js';
import { findExecutable, requireService } from '../helpers/services.js';
import { SnippetProject } from '../helpers/snippet-project.js';
import { waitUntil } from '../helpers/wait.js';
import { appDirectory, memoryWebhooks } from '../helpers/webhooks.js';

/** Where the webhooks page is (docs/webhooks.md once placed). */
const DOC = 'docs/webhooks.md';
/** The port the examples listen on; the tests put a free one in its place. */
const SHOWN_PORT = '3000';

const EVENTS: WebhookEvent[] = [
  { name: 'channel_occupied', channel: 'presence-room' },
  { name: 'member_added', channel: 'presence-room', user_id: '42' },
  { name: 'client_event', channel: 'presence-room', event: 'client-typing', data: '{"text":"héllo ✓"}', socket_id: '1.2', user_id: '42' },
  { name: 'subscription_count', channel: 'news', subscription_count: 3 },
  { name: 'cache_miss', channel: 'cache-prices' },
  { name: 'member_removed', channel: 'presence-room', user_id: '42' },
  { name: 'channel_vacated', channel: 'presence-room' },
];

/** One documented receiver: its block, the file it is saved as, and how it is started. */
interface Example {
  block: string;
  file: string;
  command: (port: number) => string;
  /** The program needed to run it, and whether a machine without it must fail the suite. */
  needs: { program: string; requiredInCi: boolean };
}

const EXAMPLES: Example[] = [
  { block: 'webhook-verify-node-sdk', file: 'receiver.mjs', command: () => 'node receiver.mjs', needs: { program: 'node', requiredInCi: true } },
  { block: 'webhook-verify-node-crypto', file: 'receiver.mjs', command: () => 'node receiver.mjs', needs: { program: 'node', requiredInCi: true } },
  { block: 'webhook-verify-python', file: 'receiver.py', command: () => 'python3 -u receiver.py', needs: { program: 'python3', requiredInCi: true } },
  // CI installs no PHP: this one runs where PHP is installed and is skipped, loudly, elsewhere.
  { block: 'webhook-verify-php', file: 'webhook.php', command: (port) => `php -S 127.0.0.1:${port} webhook.php`, needs: { program: 'php', requiredInCi: false } },
];

describe('e2e: the webhook signature checks of the docs accept Pushy\'s webhooks and refuse forged ones', function () {
  this.timeout(60_000);

  for (const example of EXAMPLES) {
    describe(example.block, () => {
      let project: SnippetProject;
      let receiver: BackgroundCommand | undefined;
      let webhooks: Webhooks | undefined;
      let url: string;

      before(async function () {
        const installed = findExecutable(example.needs.program) !== undefined;
        if (example.needs.requiredInCi) {
          requireService(this, example.needs.program, installed);
        } else if (!installed) {
          process.stderr.write(`\n  !!! SKIPPING "${example.block}": ${example.needs.program} is not installed (CI does not install it either)\n`);
          this.skip();
        }
        project = new SnippetProject();
        project.link('pusher');
        const port = await freePort();
        const code = docCode(DOC, example.block);
        expect(code, 'the example listens on the port the docs say').to.include(SHOWN_PORT);
        project.write(example.file, code.replaceAll(SHOWN_PORT, String(port)));
        receiver = BackgroundCommand.start(example.command(port), { cwd: project.dir });
        url = `http://127.0.0.1:${port}/`;
        // Listening once it answers; an unsigned request must be refused.
        await eventually(async () => expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"time_ms":1,"events":[]}' })).status).to.equal(401), 15_000);
      });

      after(async () => {
        await webhooks?.close();
        await receiver?.stop();
        project?.remove();
      });

      it('accepts every kind of webhook as Pushy sends it', async () => {
        const apps = appDirectory([{ id: '1001', key: 'app-key', secret: 'app-secret', webhooks: [{ url }] }]);
        webhooks = memoryWebhooks(apps, recordLogs().logger, { removalDelay: 0, batchSize: 3 });
        for (const event of EVENTS) webhooks.emit('1001', event);
        // PHP's built-in server puts a timestamp before what error_log writes.
        for (const event of EVENTS) await receiver!.waitFor(new RegExp(`\\b${event.name} ${event.channel}$`, 'm'));
        await waitUntil(() => webhooks!.stats.app('1001').sent === EVENTS.length, 10_000, 'every event acknowledged with a 2xx');
        expect(webhooks.stats.app('1001').failed).to.equal(0);
      });

      it('refuses a forged signature, another key, and a body changed after signing', async () => {
        const apps = appDirectory([
          { id: '2002', key: 'app-key-2', secret: 'app-secret', webhooks: [{ url }] },
          { id: '3003', key: 'app-key', secret: 'not-the-app-secret', webhooks: [{ url }] },
        ]);
        const log = recordLogs();
        const strangers = memoryWebhooks(apps, log.logger, { removalDelay: 0, retryWindow: 0 });
        try {
          strangers.emit('2002', { name: 'channel_occupied', channel: 'other-key' });
          strangers.emit('3003', { name: 'channel_occupied', channel: 'other-secret' });
          await log.waitFor(/webhook delivery failed; retrying with backoff .*"app":"2002".*"error":"HTTP 401"/);
          await log.waitFor(/webhook delivery failed; retrying with backoff .*"app":"3003".*"error":"HTTP 401"/);
        } finally {
          await strangers.close();
        }
        const signed = '{"time_ms":1,"events":[{"name":"channel_occupied","channel":"a"}]}';
        const signature = createHmac('sha256', 'app-secret').update(signed).digest('hex');
        const tampered = signed.replace('"a"', '"b"');
        const headers = { 'content-type': 'application/json', 'x-pusher-key': 'app-key', 'x-pusher-signature': signature, 'x-pushy-key': 'app-key', 'x-pushy-signature': signature };
        expect((await fetch(url, { method: 'POST', headers, body: tampered })).status).to.equal(401);
        expect((await fetch(url, { method: 'POST', headers: { ...headers, 'x-pusher-signature': 'zz', 'x-pushy-signature': 'zz' }, body: signed })).status).to.equal(401);
        // The same request untouched is accepted (so the refusals above were about the forgery).
        expect((await fetch(url, { method: 'POST', headers, body: signed })).status).to.equal(200);
        expect(receiver!.output).to.not.match(/other-key|other-secret|channel_occupied b$/m);
      });
    });
  }
});
