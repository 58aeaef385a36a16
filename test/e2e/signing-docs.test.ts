import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { signChannelV3, signHistoryV3, signTriggerV3 } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { PROJECT_ROOT } from '../helpers/process.js';
import { docCode } from '../helpers/docs.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { findExecutable, optionalProgram, requireService } from '../helpers/services.js';

const run = promisify(execFile);
const DOC = 'docs/signing.md';
const SECRET = 'my-secret';

/** The example's code with the server URL it names replaced by the test server's. */
function example(name: string, url: string): string {
  return docCode(DOC, name).replaceAll('http://localhost:8123', url);
}

describe('e2e: the docs/signing.md examples work against a real server', function () {
  this.timeout(30_000);
  /** v3 only: the v3 examples must not lean on the v1/v2 forms. */
  let v3: TestServer;
  /** Defaults (signing.legacy on), for the v2 examples. */
  let legacy: TestServer;
  let client: TestClient;
  let legacyClient: TestClient;
  const dir = mkdtempSync(path.join(tmpdir(), 'pushy-docs-'));

  before(async () => {
    v3 = await startServer({ secretKey: SECRET, signing: { legacy: false } });
    legacy = await startServer({ secretKey: SECRET });
    client = await TestClient.connect(v3.url, 'websocket');
    legacyClient = await TestClient.connect(legacy.url, 'websocket');
    await client.subscribe('news');
    await legacyClient.subscribe('news');
  });
  after(async () => {
    await Promise.all([client.close(), legacyClient.close()]);
    await Promise.all([v3.close(), legacy.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints worked examples the implementation reproduces', () => {
    const doc = readFileSync(path.join(PROJECT_ROOT, DOC), 'utf8');
    const socketId = '1f0e5c9a-3b7d-4c2e-9a4f-6d8b2e1c7a90';
    const body = '{"title":"Hello, world"}';
    const trigger = signTriggerV3({ channel: 'news', event: 'story', body, secretKey: SECRET, timestamp: 1764054000, socketId, nonce: false });
    expect(doc).to.contain(`body_sha256 = ${trigger.body_sha256}`);
    expect(doc).to.contain(`auth_signature = ${trigger.auth_signature}`);
    for (const [key, value] of Object.entries(trigger)) expect(doc).to.contain(`${key}=${value}`);
    expect(doc).to.contain(signHistoryV3({ channel: 'news', secretKey: SECRET, since: 40, timestamp: 1764054000, nonce: false }).auth_signature);
    expect(doc).to.contain(signChannelV3({ socketId, channel: 'private-orders', secretKey: SECRET }));
    expect(doc).to.contain(signChannelV3({ socketId, channel: 'presence-lobby', presenceData: '{"id":"u1","name":"Ann"}', secretKey: SECRET }));
  });

  describe('curl + openssl (v3)', () => {
    before(function () {
      requireService(this, 'curl', findExecutable('curl') !== undefined);
      requireService(this, 'openssl', findExecutable('openssl') !== undefined);
    });

    it('triggers', async () => {
      const since = client.frames.length;
      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', example('v3-curl-trigger', v3.url)]);
      expect(JSON.parse(stdout)).to.deep.equal({ status: { code: 201, message: 'Ok' } });
      expect((await client.next('story', () => true, 5000, since)).data).to.deep.equal({ title: 'Hello, world' });
    });

    it('reads history', async () => {
      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', example('v3-curl-history', v3.url)]);
      const answer = JSON.parse(stdout);
      expect(answer.channel).to.equal('news');
      expect(answer.events.map((e: { event: string }) => e.event)).to.include('story');
    });

    it('signs a channel auth the server takes, and refuses a socket id of another form', async () => {
      const script = (socketId: string): string => example('v3-curl-channel-auth', v3.url).replace(/^SOCKET_ID=\S+/m, `SOCKET_ID='${socketId}'`);
      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script(client.socketId)]);
      const { auth } = JSON.parse(stdout);
      expect((await client.subscribe('private-orders', { auth })).event).to.equal('pushy:subscription-success');
      const refused = await run('bash', ['-euo', 'pipefail', '-c', script(`${client.socketId}:private-admin`)]).catch((error: { code: number; stderr: string }) => error);
      expect(refused).to.include({ code: 1 });
      expect((refused as { stderr: string }).stderr).to.contain('not a Pushy socket id');
    });
  });

  it('Python (v3): trigger, history and channel auth', async function () {
    requireService(this, 'python3', findExecutable('python3') !== undefined);
    const calls = [
      'import sys',
      "print(json.dumps(history('news')))",
      "print(json.dumps(channel_auth(sys.argv[1], 'Presence-Lobby', {'id': 'u1', 'name': 'Ann'})))",
      "try:\n    channel_auth(sys.argv[1] + ':private-admin', 'private-user-5')\nexcept ValueError as error:\n    print(error)",
    ];
    const since = client.frames.length;
    const { stdout } = await run('python3', ['-c', `${example('v3-python', v3.url)}\n${calls.join('\n')}`, client.socketId]);
    const [triggered, history, auth, refused] = stdout.trim().split('\n');
    expect(triggered).to.contain("'code': 201");
    expect((await client.next('story', () => true, 5000, since)).data).to.deep.equal({ title: 'Hello, world' });
    expect(JSON.parse(history!).events.length).to.be.greaterThan(0);
    const joined = await client.subscribe('presence-lobby', JSON.parse(auth!));
    expect(joined.event).to.equal('pushy:subscription-success');
    expect(joined.data.presence[0]).to.include({ id: 'u1', name: 'Ann' });
    expect(refused).to.equal('not a Pushy socket id');
  });

  it('PHP (v3): trigger and channel auth', async function () {
    optionalProgram(this, 'php', findExecutable('php') !== undefined);
    const file = path.join(dir, 'example.php');
    const calls = "echo json_encode(pushy_channel_auth($argv[1], 'private-php')), \"\\n\";\n";
    writeFileSync(file, `${example('v3-php', v3.url)}${calls}`);
    const since = client.frames.length;
    const { stdout } = await run('php', [file, client.socketId]);
    const [triggered, auth] = stdout.trim().split('\n');
    expect(JSON.parse(triggered!)).to.deep.equal({ status: { code: 201, message: 'Ok' } });
    await client.next('story', () => true, 5000, since);
    expect((await client.subscribe('private-php', JSON.parse(auth!))).event).to.equal('pushy:subscription-success');
  });

  it('Node (v3): trigger, history and channel auth through the package', async () => {
    const file = path.join(dir, 'example.mjs');
    const packageEntry = pathToFileURL(path.join(PROJECT_ROOT, 'dist', 'lib', 'index.js')).href;
    const code = example('v3-node', v3.url).replace("from 'pushy-server'", `from '${packageEntry}'`);
    writeFileSync(file, `${code}\nconsole.log(JSON.stringify(channelAuth(process.argv[2], 'presence-node', { id: 'u9' })));\n`);
    const since = client.frames.length;
    const { stdout } = await run(process.execPath, [file, client.socketId]);
    const [triggered, history, auth] = stdout.trim().split('\n');
    expect(triggered).to.match(/^201 /);
    expect((await client.next('story', () => true, 5000, since)).data).to.deep.equal({ title: 'Hello, world' });
    expect(history).to.contain('"channel":"news"');
    expect((await client.subscribe('presence-node', JSON.parse(auth!))).event).to.equal('pushy:subscription-success');
  });

  describe('v1/v2 examples, against a server with signing.legacy on', () => {
    it('curl with sha256sum, and with openssl', async function () {
      requireService(this, 'curl', findExecutable('curl') !== undefined);
      requireService(this, 'openssl', findExecutable('openssl') !== undefined);
      const script = example('v2-curl', legacy.url);
      const viaOpenssl = script.replace(/^AUTH=.*sha256sum.*$/m, '').replace('# AUTH=', 'AUTH=');
      for (const variant of [script, viaOpenssl]) {
        const since = legacyClient.frames.length;
        const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', variant]);
        expect(JSON.parse(stdout).status.code).to.equal(201);
        await legacyClient.next('story', () => true, 5000, since);
      }
    });

    it('Python', async function () {
      requireService(this, 'python3', findExecutable('python3') !== undefined);
      const since = legacyClient.frames.length;
      const { stdout } = await run('python3', ['-c', example('v2-python', legacy.url)]);
      expect(stdout).to.contain("'code': 201");
      expect((await legacyClient.next('story', () => true, 5000, since)).data).to.deep.equal({ title: 'Hello, world' });
    });

    it('is refused by the v3-only server, saying why', async function () {
      requireService(this, 'python3', findExecutable('python3') !== undefined);
      const refused = await run('python3', ['-c', example('v2-python', v3.url)]).catch((error: { stderr: string }) => error);
      expect((refused as { stderr: string }).stderr).to.contain('HTTP Error 403');
    });
  });
});
