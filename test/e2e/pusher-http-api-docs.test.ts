import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { signChannel } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { docCode } from '../helpers/docs.js';
import { PROJECT_ROOT } from '../helpers/process.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { findExecutable, requireService } from '../helpers/services.js';

const run = promisify(execFile);
const DOC = 'docs/pusher-http-api.md';

/**
 * The examples of docs/pusher-http-api.md, run as printed against a real server, with the
 * example app swapped for the default app (whose events reach native clients) and the URL for
 * the test server's.
 */
describe('e2e: the docs/pusher-http-api.md examples work against a real server', function () {
  this.timeout(30_000);
  let srv: TestServer;
  let port: string;
  const clients: TestClient[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'pushy-pusher-docs-'));

  const example = (name: string): string =>
    docCode(DOC, name)
      .replaceAll('http://localhost:8123', srv.url)
      .replace(/^APP_ID=1001$/m, 'APP_ID=default')
      .replace(/^KEY=app-key$/m, 'KEY=default')
      .replace(/^SECRET=app-secret$/m, `SECRET=${srv.secret}`);
  const shell = async (name: string): Promise<unknown> => JSON.parse((await run('bash', ['-euo', 'pipefail', '-c', example(name)])).stdout);

  let orders: TestClient;
  before(async () => {
    srv = await startServer();
    port = new URL(srv.url).port;
    orders = await TestClient.connect(srv.url, 'websocket');
    clients.push(orders);
    await orders.subscribe('orders');
    for (const id of ['ann', 'bob']) {
      const client = await TestClient.connect(srv.url, 'websocket');
      clients.push(client);
      const data = JSON.stringify({ id });
      await client.subscribe('presence-shop', { auth: signChannel({ socketId: client.socketId, channel: 'presence-shop', presenceData: data, secretKey: srv.secret }), data });
    }
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('curl + openssl', () => {
    before(function () {
      requireService(this, 'curl', findExecutable('curl') !== undefined);
      requireService(this, 'openssl', findExecutable('openssl') !== undefined);
    });

    it('triggers an event and a batch', async () => {
      const since = orders.frames.length;
      expect(await shell('pusher-curl-events')).to.deep.equal({});
      expect((await orders.next('order-created', () => true, 5000, since)).data).to.equal('{"id":42}');
      expect(await shell('pusher-curl-batch')).to.deep.equal({});
      expect((await orders.next('order-paid', () => true, 5000, since)).data).to.equal('{"id":42}');
    });

    it('queries channels, one channel and its users', async () => {
      expect(await shell('pusher-curl-channels')).to.deep.equal({ channels: { 'presence-shop': { user_count: 2 } } });
      expect(await shell('pusher-curl-channel')).to.deep.equal({ occupied: true, subscription_count: 1 });
      const users = (await shell('pusher-curl-users')) as { users: Array<{ id: string }> };
      expect(users.users.map((u) => u.id).sort()).to.deep.equal(['ann', 'bob']);
    });
  });

  it('Node SDK: triggers, a batch and the queries', async () => {
    const file = path.join(dir, 'example.mjs');
    const sdk = pathToFileURL(path.join(PROJECT_ROOT, 'node_modules', 'pusher', 'lib', 'pusher.js')).href;
    const code = example('pusher-node')
      .replace("from 'pusher'", `from '${sdk}'`)
      .replace("appId: '1001', key: 'app-key', secret: 'app-secret', host: 'localhost', port: '8123'", `appId: 'default', key: 'default', secret: '${srv.secret}', host: '127.0.0.1', port: '${port}'`);
    expect(code).to.contain(`port: '${port}'`);
    writeFileSync(file, code);
    const since = orders.frames.length;
    const { stdout } = await run(process.execPath, [file]);
    const lines = stdout.trim().split('\n');
    const last = JSON.parse(lines.at(-1)!);
    expect(last.channels).to.deep.equal({ channels: { 'presence-shop': { user_count: 2 } } });
    expect(last.orders).to.deep.equal({ occupied: true, subscription_count: 1 });
    expect(last.users.users).to.have.length(2);
    expect(last.prices.occupied).to.equal(false);
    expect(last.prices.cache.data).to.equal('{"eur":1}');
    expect(last.prices.cache.ttl).to.be.within(295, 300);
    expect((await orders.next('sale', () => true, 5000, since)).data).to.equal('{"percent":10}');
    await orders.next('order-paid', () => true, 5000, since);
  });

  it('shows the Laravel options that point the pusher driver at Pushy', () => {
    const config = docCode(DOC, 'pusher-laravel');
    for (const option of ["'driver' => 'pusher'", "'host' =>", "'port' =>", "'scheme' => env('PUSHER_SCHEME', 'http')", "'useTLS' => false"]) expect(config).to.contain(option);
  });
});
