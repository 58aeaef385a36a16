import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TestClient } from '../helpers/client.js';
import { findExecutable, requireService } from '../helpers/services.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { readmeCode } from '../helpers/readme.js';

const run = promisify(execFile);

describe('e2e: the README signing examples work against a real server', function () {
  this.timeout(20_000);
  let srv: TestServer;
  let client: TestClient;
  before(async () => {
    srv = await startServer({ secretKey: 'my-secret' });
    client = await TestClient.connect(srv.url, 'websocket');
    await client.subscribe('news');
  });
  after(async () => {
    await client.close();
    await srv.close();
  });

  it('curl with sha256sum', async function () {
    requireService(this, 'curl', findExecutable('curl') !== undefined);
    const script = readmeCode('curl-example').replace('PUSHY=http://localhost:8123', `PUSHY=${srv.url}`);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script]);
    expect(JSON.parse(stdout)).to.deep.equal({ status: { code: 201, message: 'Ok' } });
    expect((await client.next('story')).data).to.deep.equal({ title: 'Hello, world' });
  });

  it('curl with openssl', async function () {
    requireService(this, 'openssl', findExecutable('openssl') !== undefined);
    requireService(this, 'curl', findExecutable('curl') !== undefined);
    const script = readmeCode('curl-example')
      .replace('PUSHY=http://localhost:8123', `PUSHY=${srv.url}`)
      .replace(/^AUTH=.*sha256sum.*$/m, '')
      .replace('# AUTH=', 'AUTH=');
    const since = client.frames.length;
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script]);
    expect(JSON.parse(stdout).status.code).to.equal(201);
    await client.next('story', () => true, 5000, since);
  });

  it('Python', async function () {
    requireService(this, 'python3', findExecutable('python3') !== undefined);
    const script = readmeCode('python-example').replace('PUSHY = "http://localhost:8123"', `PUSHY = "${srv.url}"`);
    const since = client.frames.length;
    const { stdout } = await run('python3', ['-c', script]);
    expect(stdout).to.contain("'code': 201");
    expect((await client.next('story', () => true, 5000, since)).data).to.deep.equal({ title: 'Hello, world' });
  });
});
