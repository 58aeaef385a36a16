import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TestClient } from '../helpers/client.js';
import { PROJECT_ROOT } from '../helpers/process.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** Writes a commands folder the way an operator would: plain JS files importing the package. */
export function writeCommandsFolder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pushy-commands-'));
  const pkg = pathToFileURL(path.join(PROJECT_ROOT, 'dist', 'lib', 'index.js')).href;
  writeFileSync(
    path.join(dir, 'echo.mjs'),
    `export default { name: 'Echo', async handle(ctx, data) { return { echoed: data, from: ctx.connection.id }; } };\n`,
  );
  writeFileSync(
    path.join(dir, 'shout.mjs'),
    `export default {
  name: 'shout',
  async handle(ctx, data) {
    const nodes = await ctx.publish(data.channel, 'shouted', { text: String(data.text).toUpperCase() }, { excludeSelf: !!data.quiet });
    return { nodes };
  },
};\n`,
  );
  writeFileSync(
    path.join(dir, 'deny.mjs'),
    `import { PushyError } from ${JSON.stringify(pkg)};
export default { name: 'deny', handle() { throw new PushyError('NOT_SUBSCRIBED', 'You may not do that'); } };\n`,
  );
  writeFileSync(path.join(dir, 'crash.mjs'), `export default { name: 'crash', handle() { throw new TypeError('secret internals'); } };\n`);
  writeFileSync(
    path.join(dir, 'legacy.js'),
    `module.exports = function (sockjs, connection, data, channels) {
  connection.write(JSON.stringify({ event: 'legacy-pong', data: { got: data, hasServer: typeof sockjs.on === 'function' } }));
  return channels.trigger(data.channel, 'legacy-broadcast', { from: connection.id });
};\n`,
  );
  writeFileSync(path.join(dir, 'broken.mjs'), `export default {{ this is not javascript\n`);
  writeFileSync(path.join(dir, 'README.txt'), `not a command\n`);
  return dir;
}

describe('e2e: custom commands', () => {
  let srv: TestServer;
  let dir: string;
  before(async () => {
    dir = writeCommandsFolder();
    srv = await startServer({ commandsDir: dir });
  });
  after(async () => {
    await srv.close();
  });

  it('loads every command file and reports the broken one by file name', () => {
    expect(srv.server.commandsReport.loaded.sort()).to.deep.equal(['crash', 'deny', 'echo', 'legacy', 'shout']);
    expect(srv.server.commandsReport.failed).to.have.length(1);
    expect(srv.server.commandsReport.failed[0]!.file).to.equal(path.join(dir, 'broken.mjs'));
    expect(srv.server.commands.names()).to.include.members(['subscribe', 'unsubscribe', 'echo']);
  });

  it('answers with pushy:reply when the frame has an id (names are case-insensitive)', async () => {
    const client = await TestClient.connect(srv.url, 'websocket');
    client.command('ECHO', { hello: 'world' }, 'e1');
    const reply = await client.next('pushy:reply');
    expect(reply.data).to.deep.equal({ id: 'e1', result: { echoed: { hello: 'world' }, from: client.socketId } });
    await client.close();
  });

  it('broadcasts on a channel through the broker', async () => {
    const sender = await TestClient.connect(srv.url, 'websocket');
    const listener = await TestClient.connect(srv.url, 'xhr-streaming');
    await sender.subscribe('town-square');
    await listener.subscribe('town-square');
    sender.command('shout', { channel: 'town-square', text: 'hear ye', quiet: true }, 1);
    expect((await sender.next('pushy:reply')).data.result).to.deep.equal({ nodes: 1 });
    expect(await listener.next('shouted')).to.deep.equal({ event: 'shouted', channel: 'town-square', data: { text: 'HEAR YE' } });
    sender.command('shout', { channel: 'town-square', text: 'again' }, 2);
    await sender.next('shouted');
    expect(sender.events('shouted')).to.have.length(1);
    await Promise.all([sender.close(), listener.close()]);
  });

  it('turns a thrown typed error into pushy:error with its code and the frame id', async () => {
    const client = await TestClient.connect(srv.url, 'websocket');
    client.command('deny', {}, 'd1');
    expect((await client.next('pushy:error')).data).to.deep.equal({ message: 'You may not do that', code: '403', id: 'd1' });
    client.command('crash', {}, 'c1');
    const crash = await client.next('pushy:error', (f) => f.data.id === 'c1');
    expect(crash.data).to.deep.equal({ message: 'Internal error', code: '500', id: 'c1' });
    expect((await client.subscribe('still-fine')).event).to.equal('pushy:subscription-success');
    await client.close();
  });

  it('runs a v1-style function command with (sockjs, connection, data, channels)', async () => {
    const client = await TestClient.connect(srv.url, 'xhr-polling');
    await client.subscribe('legacy-room');
    client.command('legacy', { channel: 'legacy-room' });
    expect((await client.next('legacy-pong')).data).to.deep.equal({ got: { channel: 'legacy-room' }, hasServer: true });
    expect((await client.next('legacy-broadcast')).data).to.deep.equal({ from: client.socketId });
    await client.close();
  });
});
