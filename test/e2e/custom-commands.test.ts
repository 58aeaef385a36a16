import { expect } from 'chai';
import path from 'node:path';
import { TestClient } from '../helpers/client.js';
import { writeCommandsFolder } from '../helpers/commands-folder.js';
import { recordLogs } from '../helpers/redis-node.js';
import { startServer, type TestServer } from '../helpers/server.js';

describe('e2e: custom commands', () => {
  let srv: TestServer;
  let dir: string;
  const log = recordLogs();
  before(async () => {
    dir = writeCommandsFolder();
    srv = await startServer({ commandsDir: dir, limits: { maxChannelNameLength: 20 } }, { logger: log.logger });
  });
  after(async () => {
    await srv.close();
  });

  it('loads every command file and reports the broken one by file name', () => {
    expect(srv.server.commandsReport.loaded.sort()).to.deep.equal(['crash', 'deny', 'echo', 'legacy', 'legacy-relay', 'linked', 'relay', 'shout']);
    expect(srv.server.commandsReport.failed.map((f) => f.file).sort()).to.deep.equal([path.join(dir, 'broken.mjs'), path.join(dir, 'outside.mjs')]);
    expect(srv.server.commands.names()).to.include.members(['subscribe', 'unsubscribe', 'echo']);
  });

  it('skips dotfiles, and refuses (and logs) a symlink that leads out of the folder', async () => {
    for (const name of ['hidden', 'fork', 'outside']) expect(srv.server.commands.names()).to.not.include(name);
    const refused = srv.server.commandsReport.failed.find((f) => f.file === path.join(dir, 'outside.mjs'));
    expect(refused?.error).to.match(/^a symlink to .*outside\.mjs, outside the commands folder: not loaded$/);
    expect(log.lines.some((line) => line.includes('ERROR custom command') && line.includes('outside the commands folder'))).to.equal(true);
  });

  for (const command of ['relay', 'legacy-relay']) {
    it(`${command}: a command's publish refuses pushy: events and channels the trigger refuses, with the trigger's rule`, async () => {
      const sender = await TestClient.connect(srv.url, 'websocket');
      const listener = await TestClient.connect(srv.url, 'websocket');
      await listener.subscribe('lobby');
      const cases: Array<[Record<string, unknown>, string, RegExp]> = [
        [{ channel: 'lobby', event: 'pushy:presence-add', data: { member: { id: 'fake' } } }, '400', /reserved/],
        [{ channel: 'lobby', event: 'pushy:subscription-end', data: { channel: 'lobby' } }, '400', /reserved/],
        [{ channel: 'lobby', event: '' }, '400', /Event name/],
        [{ channel: 'lobby', event: 'x'.repeat(201) }, '400', /Event name/],
        [{ channel: '..', event: 'msg' }, '300', /Invalid channel name/],
        [{ channel: 'a-channel-name-of-30-characters', event: 'msg' }, '300', /longer than 20/],
        [{ channel: 42, event: 'msg' }, '300', /Invalid channel name/],
      ];
      for (const [index, [data, code, message]] of cases.entries()) {
        const id = `${command}-${index}`;
        sender.command(command, data, id);
        const error = await sender.next('pushy:error', (f) => f.data.id === id);
        expect(error.data.code, JSON.stringify(data)).to.equal(code);
        expect(error.data.message).to.match(message);
      }
      sender.command(command, { channel: 'Lobby', event: 'said', data: { text: 'real' } }, 'ok');
      await listener.next('said');
      expect(listener.frames.filter((f) => f.channel === 'lobby').map((f) => f.event), 'no fake event came through').to.deep.equal(['said']);
      await Promise.all([sender.close(), listener.close()]);
    });
  }

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
    expect(await listener.next('shouted')).to.deep.equal({ event: 'shouted', channel: 'town-square', data: { text: 'HEAR YE' }, offset: 1 });
    sender.command('shout', { channel: 'town-square', text: 'again' }, 2);
    await sender.next('shouted');
    expect(sender.events('shouted')).to.have.length(1);
    await Promise.all([sender.close(), listener.close()]);
  });

  it('turns a thrown typed error into pushy:error with its code and the frame id', async () => {
    const client = await TestClient.connect(srv.url, 'websocket');
    client.command('deny', {}, 'd1');
    expect((await client.next('pushy:error')).data).to.deep.equal({ message: 'You may not do that', code: '403', name: 'NOT_SUBSCRIBED', id: 'd1' });
    client.command('crash', {}, 'c1');
    const crash = await client.next('pushy:error', (f) => f.data.id === 'c1');
    expect(crash.data).to.deep.equal({ message: 'Internal error', code: '500', name: 'INTERNAL', id: 'c1' });
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
