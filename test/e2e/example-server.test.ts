import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { EXAMPLE_DEFAULTS, exampleOptions } from '../../examples/chat/settings.js';
import { loadConfig } from '../../lib/config.js';
import { PROJECT_ROOT } from '../helpers/process.js';

const EXAMPLE = path.join(PROJECT_ROOT, 'dist', 'examples', 'chat', 'server.js');

/** A running `node dist/examples/chat/server.js` (what `npm run example` runs). */
interface ExampleProcess {
  exited: Promise<number | null>;
  /** Resolves with the first stdout line, or rejects with stderr if the process exits first. */
  firstLine: Promise<string>;
  stderr(): string;
  stop(): void;
}

/** Every example started, so that a failed test leaves none running. */
const started: ExampleProcess[] = [];

function runExample(env: Record<string, string>): ExampleProcess {
  const child = spawn(process.execPath, [EXAMPLE], { env: { PATH: process.env.PATH ?? '', EXAMPLE_HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    void exited.then((code) => reject(new Error(`example exited (${code}): ${err}`)));
  });
  firstLine.catch(() => undefined);
  const example = { exited, firstLine, stderr: () => err, stop: () => child.exitCode === null && child.signalCode === null && child.kill('SIGTERM') };
  started.push(example);
  return example;
}

/** Holds a free loopback port, as another program would. */
async function holdPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('e2e: npm run example (the chat example server)', function () {
  this.timeout(20_000);
  afterEach(async () => {
    for (const example of started.splice(0)) {
      example.stop();
      await example.exited;
    }
  });

  it('gives Pushy its own default port, so that npm start and npm run example run side by side', () => {
    const serverPort = loadConfig({ env: {} }).port;
    const options = exampleOptions({});
    expect(options).to.deep.equal(EXAMPLE_DEFAULTS);
    expect(options.pushyPort).to.equal(8124);
    expect(options.pushyPort).to.not.equal(serverPort);
    expect(options.appPort).to.not.be.oneOf([serverPort, options.pushyPort]);
    // The server's own port variable does not move the example's Pushy onto the server's port.
    expect(exampleOptions({ PUSHY_PORT: String(serverPort) }).pushyPort).to.equal(8124);
  });

  it('reads its ports, host and secret from the environment and names the variable of a bad value', () => {
    expect(exampleOptions({ EXAMPLE_PORT: '9080', EXAMPLE_PUSHY_PORT: '9124', EXAMPLE_HOST: '0.0.0.0', PUSHY_SECRET_KEY: 's3cret' })).to.deep.equal({
      appPort: 9080,
      pushyPort: 9124,
      host: '0.0.0.0',
      secretKey: 's3cret',
    });
    expect(exampleOptions({ EXAMPLE_PUSHY_PORT: '0' }).pushyPort).to.equal(0);
    for (const [env, message] of [
      [{ EXAMPLE_PUSHY_PORT: 'nope' }, 'EXAMPLE_PUSHY_PORT="nope": must be a port number from 0 to 65535'],
      [{ EXAMPLE_PUSHY_PORT: '' }, 'EXAMPLE_PUSHY_PORT="": must be a port number from 0 to 65535'],
      [{ EXAMPLE_PORT: '70000' }, 'EXAMPLE_PORT="70000": must be a port number from 0 to 65535'],
      [{ EXAMPLE_PORT: '-1' }, 'EXAMPLE_PORT="-1": must be a port number from 0 to 65535'],
      [{ EXAMPLE_HOST: '' }, 'EXAMPLE_HOST="": must not be empty'],
      [{ PUSHY_SECRET_KEY: '' }, 'PUSHY_SECRET_KEY="": must not be empty'],
    ] as const) {
      expect(() => exampleOptions(env), JSON.stringify(env)).to.throw(Error, message);
    }
  });

  it('starts on the ports it is given and stops on SIGTERM', async () => {
    const example = runExample({ EXAMPLE_PORT: '0', EXAMPLE_PUSHY_PORT: '0' });
    expect(await example.firstLine).to.match(/^Pushy is on http:\/\/127\.0\.0\.1:\d+; open http:\/\/127\.0\.0\.1:\d+\/ in two browser windows to chat\.$/);
    example.stop();
    expect(await example.exited).to.equal(0);
    expect(example.stderr()).to.equal('');
  });

  for (const [variable, what] of [
    ['EXAMPLE_PUSHY_PORT', 'Pushy'],
    ['EXAMPLE_PORT', 'the chat app'],
  ] as const) {
    it(`says in one line which port is taken when ${variable} is, and exits with 1`, async () => {
      const taken = await holdPort();
      try {
        const example = runExample({ EXAMPLE_PORT: '0', EXAMPLE_PUSHY_PORT: '0', [variable]: String(taken.port) });
        expect(await example.exited).to.equal(1);
        expect(example.stderr()).to.equal(`chat example: ${what} cannot listen on 127.0.0.1:${taken.port}: the port is in use (set ${variable} to another port)\n`);
      } finally {
        await taken.close();
      }
    });
  }

  it('refuses a bad setting in one line and exits with 1', async () => {
    const example = runExample({ EXAMPLE_PUSHY_PORT: 'eighty' });
    expect(await example.exited).to.equal(1);
    expect(example.stderr()).to.equal('chat example: EXAMPLE_PUSHY_PORT="eighty": must be a port number from 0 to 65535\n');
  });
});
