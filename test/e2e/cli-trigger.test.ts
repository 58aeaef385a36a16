import { expect } from 'chai';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { TestClient } from '../helpers/client.js';
import { configFile } from '../helpers/config-file.js';
import { runCommand, runServer, type ServerProcess } from '../helpers/process.js';
import { startServer, type TestServer } from '../helpers/server.js';

describe('e2e: pushy-server trigger', function () {
  this.timeout(30_000);
  let srv: TestServer;
  let client: TestClient;
  before(async () => {
    srv = await startServer();
    client = await TestClient.connect(srv.url, 'websocket');
    await client.subscribe('news');
  });
  after(async () => {
    await client.close();
    await srv.close();
  });

  const send = (args: string[], env: Record<string, string> = { PUSHY_SECRET_KEY: srv.secret }) => runCommand(['trigger', ...args, '--url', srv.url], { env });

  it('signs, sends and prints the answer: 201 when delivered, and the client gets the event', async () => {
    const result = await send(['news', 'published', '{"title":"Hi"}']);
    expect(result).to.deep.equal({ code: 0, stdout: '201 {"status":{"code":201,"message":"Ok"}}\n', stderr: '' });
    expect((await client.next('published')).data).to.deep.equal({ title: 'Hi' });
  });

  it('200 (exit 0) when nobody is subscribed; no data sends {}', async () => {
    expect(await send(['nobody-here', 'ping'])).to.deep.equal({ code: 0, stdout: '200 {"status":{"code":200,"message":"Ok"}}\n', stderr: '' });
  });

  it('prints a refusal and exits 1 (a wrong secret)', async () => {
    const result = await send(['news', 'published'], { PUSHY_SECRET_KEY: 'wrong' });
    expect(result).to.deep.equal({ code: 1, stdout: '403 {"error":{"code":"403","name":"INVALID_CREDENTIALS","message":"Invalid credentials"}}\n', stderr: '' });
  });

  it('--socket-id leaves that connection out', async () => {
    const other = await TestClient.connect(srv.url, 'websocket');
    await other.subscribe('news');
    expect((await send(['news', 'quiet', '--socket-id', client.socketId])).code).to.equal(0);
    expect((await send(['news', 'barrier'])).code).to.equal(0);
    await other.next('quiet');
    // Events arrive in order on a connection: past the barrier, the left-out one had its chance.
    await client.next('barrier');
    expect(client.events('quiet')).to.deep.equal([]);
    await other.close();
  });

  it('--idempotency-key: a retry with the same key is answered but not published again', async () => {
    const key = `key-${Date.now()}`;
    const since = client.frames.length;
    expect((await send(['news', 'once', '{"n":1}', '--idempotency-key', key])).stdout).to.match(/^201 /);
    expect((await send(['news', 'once', '{"n":1}', '--idempotency-key', key])).code).to.equal(0);
    expect((await send(['news', 'after-once'])).code).to.equal(0);
    await client.next('after-once', () => true, 8000, since);
    expect(client.frames.slice(since).filter((frame) => frame.event === 'once')).to.have.length(1);
  });

  it('without --url sends to the configured host and port', async () => {
    const proc: ServerProcess = runServer([configFile({ port: 0, secretKey: 'cli-secret' })]);
    try {
      const port = new URL(await proc.ready).port;
      const result = await runCommand(['trigger', 'x', 'y', '-c', configFile({ port: Number(port), host: '127.0.0.1', secretKey: 'cli-secret' })]);
      expect(result).to.deep.equal({ code: 0, stdout: '200 {"status":{"code":200,"message":"Ok"}}\n', stderr: '' });
    } finally {
      proc.kill('SIGKILL');
    }
  });

  it('a server that cannot be reached: one line naming it (without the signature), exit 1', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const result = await runCommand(['trigger', 'news', 'ev', '--url', `http://127.0.0.1:${port}`], { env: { PUSHY_SECRET_KEY: 's' } });
    expect(result.code).to.equal(1);
    expect(result.stdout).to.equal('');
    expect(result.stderr).to.match(new RegExp(`^pushy-server: trigger: cannot reach http://127\\.0\\.0\\.1:${port}: ECONNREFUSED.*\\n$`));
    expect(result.stderr).not.to.contain('auth_key');
  });

  it('a server that never answers: gives up after --timeout, exit 1', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const result = await runCommand(['trigger', 'news', 'ev', '--url', `http://127.0.0.1:${port}`, '--timeout', '200'], { env: { PUSHY_SECRET_KEY: 's' } });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.equal(`pushy-server: trigger: cannot reach http://127.0.0.1:${port}: no answer in time (--timeout)\n`);
    } finally {
      silent.close();
    }
  });

  for (const [what, args, message] of [
    ['a missing event', ['news'], /missing argument <event>/],
    ['data that is not JSON', ['news', 'ev', 'hello'], /<data>: must be JSON/],
    ['a bad --timeout', ['news', 'ev', '--timeout', 'soon'], /--timeout: must be milliseconds/],
    ['an empty --idempotency-key', ['news', 'ev', '--idempotency-key', ''], /--idempotency-key: must be 1 to 200 characters/],
    ['a --socket-id that is too long', ['news', 'ev', '--socket-id', 'x'.repeat(129)], /--socket-id: must be 1 to 128 characters/],
  ] as const) {
    it(`refuses ${what} with exit 2, sending nothing`, async () => {
      const result = await send([...args]);
      expect(result.code, result.stderr).to.equal(2);
      expect(result.stdout).to.equal('');
      expect(result.stderr.split('\n')[0]).to.match(message);
      expect(result.stderr).to.contain('Run "pushy-server trigger --help" for usage.');
    });
  }
});
