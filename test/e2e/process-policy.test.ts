import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { MAX_JSON_DEPTH } from '../../lib/util/json-depth.js';
import { spawnServer, type ServerProcess } from '../helpers/process-server.js';
import { RawWsClient } from '../helpers/raw-ws.js';
import { trigger } from '../helpers/trigger.js';
import { XhrSession } from '../helpers/xhr-session.js';

/** `[[[...]]]`, `levels` deep: 12 kB at 6,000 levels, the message that used to kill the process. */
const nested = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);

/** Resolves when the server's log has a line matching `pattern`. */
async function logged(proc: ServerProcess, pattern: RegExp): Promise<string> {
  const find = (): string | undefined => proc.stderr().split('\n').find((line) => pattern.test(line));
  for (;;) {
    const line = find();
    if (line) return line;
    if (proc.child.exitCode !== null) throw new Error(`server exited (${proc.child.exitCode}); log:\n${proc.stderr()}`);
    await new Promise<void>((resolve) => proc.child.stderr!.once('data', () => resolve()));
  }
}

/** A fresh client still subscribes and receives; the process still runs. */
async function stillServes(proc: ServerProcess): Promise<void> {
  const client = await RawWsClient.connect(proc.url, 'raw');
  client.send({ command: 'subscribe', data: { channel: 'alive' } });
  await client.next('pushy:subscription-success');
  await trigger(proc.url, 'alive', 'ping', {}, { secret: proc.secret });
  await client.next('ping');
  await client.close();
  expect(proc.child.exitCode).to.equal(null);
}

describe('e2e: no client input reaches an uncaught exception (server in its own process)', function () {
  this.timeout(60_000);
  let proc: ServerProcess;
  before(async () => {
    proc = await spawnServer({});
  });
  after(() => proc.stop());

  it('refuses a 6,000-level nested array in a framed WebSocket message and keeps running', async () => {
    const client = await RawWsClient.connect(proc.url, 'framed');
    client.ws.send(`[${nested(6000)}]`);
    const error = await client.next('pushy:error');
    expect(error.data).to.deep.equal({ code: '100', name: 'BOGUS_FRAME', message: 'Bogus frame: expected a text message' });
    // Also as a single JSON value (not in an array), and inside a frame object.
    client.ws.send(nested(6000));
    await client.next('pushy:error', () => client.events('pushy:error').length === 2);
    client.send(`{"command":"subscribe","data":{"channel":"deep","x":${nested(6000)}}}`);
    const deep = await client.next('pushy:error', () => client.events('pushy:error').length === 3);
    expect(deep.data).to.deep.equal({ code: '400', name: 'JSON_TOO_DEEP', message: `Frame nested too deeply (more than ${MAX_JSON_DEPTH} levels)` });
    expect(client.closeEvent).to.equal(undefined);
    await client.close();
    await stillServes(proc);
  });

  it('refuses deep nesting on the raw WebSocket endpoint and on xhr_send and jsonp_send', async () => {
    const raw = await RawWsClient.connect(proc.url, 'raw');
    raw.send(nested(6000));
    expect((await raw.next('pushy:error')).data.code).to.equal('100');
    raw.send(`{"command":"subscribe","data":{"channel":"deep","x":${nested(6000)}}}`);
    expect((await raw.next('pushy:error', () => raw.events('pushy:error').length === 2)).data.code).to.equal('400');
    await raw.close();

    const session = await XhrSession.open(proc.url);
    expect((await session.send(`[${nested(6000)}]`)).status).to.equal(204);
    expect((await session.nextAny((f) => f.event === 'pushy:error')).data.code).to.equal('100');
    const form = 'd=' + encodeURIComponent(`[${nested(6000)}]`);
    expect((await session.send(form, { path: 'jsonp_send', contentType: 'application/x-www-form-urlencoded' })).status).to.equal(200);
    await session.nextAny(() => session.frames.filter((f) => f.event === 'pushy:error').length === 2);
    await stillServes(proc);
  });
});

describe('e2e: process-level errors are logged, never silent', function () {
  this.timeout(60_000);
  let dir: string;
  let proc: ServerProcess;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pushy-stray-'));
    // A command whose own stray async code fails after it answered.
    writeFileSync(
      path.join(dir, 'stray.mjs'),
      `export default {
  name: 'stray',
  handle(ctx, data) {
    if (data === 'throw') setTimeout(() => { throw new Error('stray timer failed'); }, 0);
    if (data === 'reject') Promise.reject(new Error('stray promise failed'));
    return 'started';
  },
};\n`,
    );
    // A hook that throws outside any command, standing in for a bug in Pushy itself.
    const hook = 'data:text/javascript,' + encodeURIComponent(`process.on('SIGUSR2', () => { throw new Error('injected failure'); });`);
    proc = await spawnServer({ commandsDir: dir }, ['--import', hook]);
  });
  after(async () => {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs an uncaught exception and an unhandled rejection from a custom command with its file, and keeps serving', async () => {
    const file = path.join(dir, 'stray.mjs');
    const client = await RawWsClient.connect(proc.url, 'raw');
    client.send({ command: 'stray', data: 'throw', id: 1 });
    expect((await client.next('pushy:reply')).data).to.deep.equal({ id: 1, result: 'started' });
    const thrown = await logged(proc, /uncaught exception in custom command/);
    expect(thrown).to.contain(`ERROR uncaught exception in custom command ${file}`).and.contain('stray timer failed');
    client.send({ command: 'stray', data: 'reject', id: 2 });
    const rejected = await logged(proc, /unhandled promise rejection in custom command/);
    expect(rejected).to.contain(`ERROR unhandled promise rejection in custom command ${file}`).and.contain('stray promise failed');
    await client.close();
    await stillServes(proc);
  });

  it('logs any other uncaught exception with its stack and exits with code 1', async () => {
    proc.child.kill('SIGUSR2');
    expect(await proc.exited).to.equal(1);
    expect(proc.stderr()).to.match(/ERROR uncaught exception: exiting .*injected failure/);
  });
});
