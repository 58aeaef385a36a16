import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TestClient } from '../helpers/client.js';
import { COMMANDS } from '../../lib/cli/commands.js';
import { loadConfig } from '../../lib/config.js';
import { ListenError } from '../../lib/errors.js';
import { createServer } from '../../lib/server.js';
import { configFile } from '../helpers/config-file.js';
import { PROJECT_ROOT, runCommand, runServer, type ServerProcess } from '../helpers/process.js';
import { freePort } from '../helpers/redis.js';
import { trigger } from '../helpers/trigger.js';
import { writeCommandsFolder } from '../helpers/commands-folder.js';

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

/** True when `text` holds a JavaScript stack frame: what an operator must never be handed. */
const hasStack = (text: string): boolean => /^\s+at .+:\d+:\d+\)?$/m.test(text);

describe('e2e: pushy-server options, and failures at start in one line', function () {
  this.timeout(30_000);
  const started: ServerProcess[] = [];
  const start = (args: string[], env: Record<string, string | undefined> = {}, options: { entry?: string; cwd?: string } = {}): ServerProcess => {
    const proc = runServer(args, env, options);
    started.push(proc);
    return proc;
  };
  afterEach(() => {
    for (const proc of started.splice(0)) proc.kill('SIGKILL');
  });

  for (const flag of ['--help', '-h']) {
    it(`${flag} prints the usage with every subcommand on stdout, exit 0, and starts nothing`, async () => {
      const result = await runCommand([flag], { env: { PUSHY_PORT: '0', PUSHY_SECRET_KEY: 's' } });
      expect(result.code).to.equal(0);
      expect(result.stdout).to.match(/^Usage: pushy-server \[config\.json\] \[options\]/);
      for (const option of ['--config', '--port', '--help', '--version']) expect(result.stdout).to.contain(option);
      for (const command of COMMANDS) expect(result.stdout).to.match(new RegExp(`pushy-server ${command.name}\\s+${command.summary}`));
      expect(result.stdout).not.to.contain('listening');
      expect(result.stderr).to.equal('');
    });
  }

  for (const command of COMMANDS) {
    it(`pushy-server ${command.name} --help prints its usage, exit 0`, async () => {
      const result = await runCommand([command.name, '--help']);
      expect(result.code).to.equal(0);
      expect(result.stdout).to.equal(command.help);
      expect(result.stdout).to.match(new RegExp(`^Usage: pushy-server ${command.name} `));
    });
  }

  for (const flag of ['--version', '-v']) {
    it(`${flag} prints the version of package.json`, async () => {
      const { version } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
      const result = await runCommand([flag]);
      expect(result).to.deep.equal({ code: 0, stdout: `${version}\n`, stderr: '' });
    });
  }

  for (const [what, args, message] of [
    ['an unknown option', ['--frobnicate'], /Unknown option '--frobnicate'/],
    ['--port without a number', ['--port', 'http'], /--port: must be an integer from 0 to 65535, was "http"/],
    ['--port out of range', ['--port', '70000'], /--port: must be an integer from 0 to 65535/],
    ['two config files', ['--config', 'a.json', 'b.json'], /two config files: --config a\.json and b\.json/],
    ['two positional config files', ['a.json', 'b.json'], /one config file at most/],
  ] as const) {
    it(`refuses ${what}: one line and a hint on stderr, exit 2`, async () => {
      const result = await runCommand([...args]);
      expect(result.code).to.equal(2);
      expect(result.stdout).to.equal('');
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines).to.have.length(2);
      expect(lines[0]).to.match(message);
      expect(lines[1]).to.equal('Run "pushy-server --help" for usage.');
    });
  }

  it('pushy-server apps lists the configured apps and explains that the config store is read-only', async () => {
    const file = configFile({ apps: [{ id: '4242', key: 'cli-key', secret: 'cli-secret-value', name: 'Shop' }] });
    const listed = await runCommand(['apps', 'list', '--config', file]);
    expect(listed.code).to.equal(0);
    expect(listed.stdout).to.contain('4242').and.to.contain('cli-key');
    expect(listed.stdout + listed.stderr).not.to.contain('cli-secret-value');
    const added = await runCommand(['apps', 'add', '--config', file]);
    expect(added.code).to.equal(1);
    expect(added.stderr.trimEnd().split('\n')).to.have.length(1);
    expect(added.stderr).to.contain('config file');
  });

  it('--config names the config file, like the argument', async () => {
    const proc = start(['--config', configFile({ port: 0, secretKey: 'by-option', sockjs: { prefix: '/by-option' } })]);
    const url = await proc.ready;
    expect(proc.stdout()).to.contain('SockJS at /by-option');
    const client = await TestClient.connect(url, 'websocket', '/by-option');
    await client.subscribe('cli');
    expect((await trigger(url, 'cli', 'hello', {}, { secret: 'by-option' })).status).to.equal(201);
    await client.close();
  });

  it('--port wins over the file and PUSHY_PORT', async () => {
    const port = await freePort();
    const proc = start(['-p', String(port), configFile({ port: 1, secretKey: 's' })], { PUSHY_PORT: '2' });
    expect(await proc.ready).to.equal(`http://127.0.0.1:${port}`);
  });

  it('a second server on the same port exits 1 with one line naming the address (EADDRINUSE)', async () => {
    const first = start([], { PUSHY_SECRET_KEY: 's' });
    const port = new URL(await first.ready).port;
    const second = await runCommand([], { env: { PUSHY_PORT: port, PUSHY_HOST: '127.0.0.1', PUSHY_SECRET_KEY: 's' } });
    expect(second.code).to.equal(1);
    expect(second.stdout).to.equal('');
    expect(second.stderr.trimEnd().split('\n')).to.deep.equal([
      `pushy-server: cannot listen on 127.0.0.1:${port}: address already in use: another process has this port; stop it, or choose another port (--port, PUSHY_PORT) (EADDRINUSE)`,
    ]);
    // The first one is unharmed.
    expect((await fetch(`${await first.ready}/pushy/health`)).status).to.equal(200);
  });

  it('any listen failure is one line and exit 1: a host that is not on this machine (EADDRNOTAVAIL)', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
    const result = await runCommand([], { env: { PUSHY_PORT: '0', PUSHY_HOST: '192.0.2.1', PUSHY_SECRET_KEY: 's' } });
    expect(result.code).to.equal(1);
    expect(result.stderr.trimEnd().split('\n')).to.have.length(1);
    expect(result.stderr).to.match(/^pushy-server: cannot listen on 192\.0\.2\.1:0: .*\(EADDRNOTAVAIL\)\n$/);
  });

  it('any listen failure is one line and exit 1: a port below 1024 without the privilege (EACCES)', async function () {
    let firstUnprivileged = 1024;
    try {
      firstUnprivileged = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
    } catch {
      // Not Linux: ports below 1024 are privileged.
    }
    if (firstUnprivileged <= 1) {
      process.stderr.write('\n  !!! SKIPPING the EACCES case: this machine lets anyone bind port 1\n');
      this.skip();
    }
    // As root (CI) the refusal needs another user: nobody.
    const user = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const result = await runCommand([], { env: { PUSHY_PORT: '1', PUSHY_HOST: '127.0.0.1', PUSHY_SECRET_KEY: 's' }, ...user });
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stderr).to.equal(
      'pushy-server: cannot listen on 127.0.0.1:1: permission denied: ports below 1024 need root or CAP_NET_BIND_SERVICE; choose a higher port (--port, PUSHY_PORT) (EACCES)\n',
    );
  });

  it('an embedded server.listen() rejects with a ListenError carrying the code', async () => {
    const first = start([], { PUSHY_SECRET_KEY: 's' });
    const port = Number(new URL(await first.ready).port);
    const server = await createServer({ config: loadConfig({ env: {}, overrides: { port, host: '127.0.0.1', secretKey: 's' } }) });
    const error = await server.listen().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(ListenError).with.property('code', 'EADDRINUSE');
    await server.close();
  });

  it('a commandsDir that does not exist is a config error naming the key, not a stack', async () => {
    const result = await runCommand([configFile({ commandsDir: '/nonexistent/commands', secretKey: 's' })], { env: { PUSHY_PORT: '0' } });
    expect(result.code).to.equal(1);
    expect(hasStack(result.stderr)).to.equal(false);
    expect(result.stderr.trimEnd().split('\n')).to.have.length(1);
    expect(result.stderr).to.match(/^pushy-server: Invalid config file .*: commandsDir: no such folder: value was "\/nonexistent\/commands"\n$/);
  });

  it('PUSHY_SOCKJS_WEBSOCKET=0 turns the WebSocket transport off', async () => {
    for (const [value, websocket] of [['0', false], ['no', false], ['YES', true]] as const) {
      const proc = start([], { PUSHY_SECRET_KEY: 's', PUSHY_SOCKJS_WEBSOCKET: value });
      const info = (await (await fetch(`${await proc.ready}/pushy/socket/info`)).json()) as { websocket: boolean };
      expect(info.websocket, value).to.equal(websocket);
      proc.kill();
    }
  });

  it('PUSHY_SOCKJS_WEBSOCKET=nope stops the start, naming the variable', async () => {
    const result = await runCommand([], { env: { PUSHY_PORT: '0', PUSHY_SOCKJS_WEBSOCKET: 'nope' } });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/^pushy-server: Invalid configuration: sockjs\.websocket \(environment variable PUSHY_SOCKJS_WEBSOCKET\): must be true or false .*value was "nope"\n$/);
  });

  it('log.format json: every log line on stderr is one JSON object; the banner is on stdout', async () => {
    const proc = start([], { PUSHY_SECRET_KEY: 's', PUSHY_LOG_FORMAT: 'json', PUSHY_LOG_LEVEL: 'debug' });
    const url = await proc.ready;
    const client = await TestClient.connect(url, 'websocket');
    await client.close();
    proc.kill('SIGTERM');
    await proc.exited;
    const lines = proc.stderr().trimEnd().split('\n');
    const events = lines.map((line) => JSON.parse(line) as { time: string; level: string; msg: string });
    for (const event of events) {
      expect(new Date(event.time).toISOString()).to.equal(event.time);
      expect(['debug', 'info', 'warn', 'error']).to.include(event.level);
      expect(event.msg).to.be.a('string');
    }
    expect(events.map((event) => event.msg)).to.include.members(['Pushy listening', 'connection open', 'SIGTERM received, closing', 'Pushy stopped']);
    expect(proc.stdout()).to.match(/^Pushy is listening on http:\/\/127\.0\.0\.1:\d+ \(SockJS at \/pushy\/socket\)\n$/);
  });

  it('`node pushy-server.js config.json` in the project root starts the server (the start command Pushy always had)', async () => {
    expect(existsSync(path.join(PROJECT_ROOT, 'pushy-server.ts')), 'the source stays pushy-server.ts').to.equal(true);
    const proc = start([configFile({ port: 0, secretKey: 'root-entry' })], {}, { entry: 'pushy-server.js', cwd: PROJECT_ROOT });
    const url = await proc.ready;
    const client = await TestClient.connect(url, 'websocket');
    await client.subscribe('root');
    expect((await trigger(url, 'root', 'hello', {}, { secret: 'root-entry' })).status).to.equal(201);
    await client.next('hello');
    await client.close();
  });
});
