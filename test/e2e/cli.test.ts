import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestClient } from '../helpers/client.js';
import { PROJECT_ROOT, runServer, type ServerProcess } from '../helpers/process.js';
import { trigger } from '../helpers/trigger.js';
import { writeCommandsFolder } from '../helpers/commands-folder.js';

function configFile(content: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pushy-cli-')), 'config.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('e2e: the pushy-server command', function () {
  this.timeout(30_000);
  const started: ServerProcess[] = [];
  const start = (args: string[], env: Record<string, string | undefined> = {}): ServerProcess => {
    const proc = runServer(args, env);
    started.push(proc);
    return proc;
  };
  afterEach(() => {
    for (const proc of started.splice(0)) proc.kill('SIGKILL');
  });

  it('runs on defaults without a config file, printing a generated secret once', async () => {
    const proc = start([]);
    const url = await proc.ready;
    const secret = /secretKey: ([0-9a-f]{48})/.exec(proc.stdout())?.[1];
    expect(secret, proc.stdout()).to.be.a('string');
    expect(proc.stdout()).to.match(/changes on every restart/);
    expect(proc.stdout().split(secret!).length - 1).to.equal(1);
    expect(proc.stderr()).not.to.contain(secret!);
    // The printed secret is the one in use.
    const client = await TestClient.connect(url, 'websocket');
    await client.subscribe('cli');
    expect((await trigger(url, 'cli', 'hello', { a: 1 }, { secret: secret! })).status).to.equal(201);
    await client.next('hello');
    await client.close();
  });

  it('reads the config file named on the command line', async () => {
    const proc = start([configFile({ port: 0, secretKey: 'file-secret', sockjs: { prefix: '/rt' } })]);
    const url = await proc.ready;
    expect(proc.stdout()).not.to.contain('file-secret');
    const client = await TestClient.connect(url, 'xhr-streaming', '/rt');
    await client.subscribe('cli');
    expect((await trigger(url, 'cli', 'hello', {}, { secret: 'file-secret' })).status).to.equal(201);
    await client.close();
  });

  it('also starts through the package bin (npx pushy-server)', async () => {
    const file = configFile({ port: 0, host: '127.0.0.1', secretKey: 'bin' });
    // Its own process group, so that killing it also ends the server npx started.
    const child = spawn('npx', ['--no-install', 'pushy-server', file], { cwd: PROJECT_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8');
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout!.on('data', (chunk: string) => {
          text += chunk;
          if (/listening on/.test(text)) resolve(text);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      expect(out).to.match(/Pushy is listening on http:\/\/127\.0\.0\.1:\d+/);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
  });

  for (const [what, content, key] of [
    ['an unknown key', { port: 0, sekretKey: 'x' }, 'sekretKey'],
    ['a non-numeric port', { port: 'abc' }, 'port'],
    ['a nested bad type', { limits: { maxFrameBytes: -1 } }, 'limits.maxFrameBytes'],
  ] as const) {
    it(`exits non-zero on ${what}, naming the key and the file`, async () => {
      const file = configFile(content);
      const proc = start([file], { PUSHY_PORT: undefined });
      const { code } = await proc.exited;
      expect(code).to.equal(1);
      expect(proc.stderr()).to.contain(key).and.to.contain(file);
    });
  }

  it('exits non-zero on an unreadable config file', async () => {
    const proc = start(['/nonexistent/pushy.json']);
    expect((await proc.exited).code).to.equal(1);
    expect(proc.stderr()).to.contain('/nonexistent/pushy.json');
  });

  it('reports a broken custom command at start by its file name and serves the others', async () => {
    const dir = writeCommandsFolder();
    const proc = start([], { PUSHY_COMMANDS_DIR: dir, PUSHY_SECRET_KEY: 's' });
    const url = await proc.ready;
    expect(proc.stderr()).to.contain(path.join(dir, 'broken.mjs'));
    const client = await TestClient.connect(url, 'websocket');
    client.command('echo', { x: 1 }, 1);
    expect((await client.next('pushy:reply')).data.result.echoed).to.deep.equal({ x: 1 });
    await client.close();
  });

  it('on SIGTERM closes every socket with a SockJS close frame and exits 0', async () => {
    const proc = start([], { PUSHY_SECRET_KEY: 's' });
    const url = await proc.ready;
    const clients = await Promise.all([TestClient.connect(url, 'websocket'), TestClient.connect(url, 'xhr-streaming')]);
    proc.kill('SIGTERM');
    await Promise.all(clients.map((c) => c.waitClosed()));
    for (const client of clients) expect(client.closeEvent).to.deep.equal({ code: 1001, reason: 'Server shutting down' });
    expect(await proc.exited).to.deep.equal({ code: 0, signal: null });
  });

  it('never logs the secret, even at debug level', async () => {
    const proc = start([], { PUSHY_SECRET_KEY: 'do-not-log-me', PUSHY_LOG_LEVEL: 'debug' });
    const url = await proc.ready;
    const client = await TestClient.connect(url, 'websocket');
    await client.subscribe('x');
    await trigger(url, 'x', 'e', {}, { secret: 'do-not-log-me' });
    await trigger(url, 'x', 'e', {}, { secret: 'wrong' });
    await client.next('e');
    await client.close();
    proc.kill('SIGTERM');
    await proc.exited;
    expect(proc.stderr()).to.contain('connection open');
    expect(proc.stderr() + proc.stdout()).not.to.contain('do-not-log-me');
  });
});
