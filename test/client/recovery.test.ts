import { expect } from 'chai';
import sinon from 'sinon';
import type { Channel } from 'pushy-server/client';
import { S1, S2, settle, startFakeClient, type FakeSocket, type fakeSockets } from './fake-socket.js';

describe('client: recovery of missed events on resubscribe (fake socket)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    clock.restore();
  });

  const start = startFakeClient;

  /** Records a channel's triggered `msg` events (by offset) and its recovery notices. */
  function record(channel: Channel) {
    const log: string[] = [];
    channel.bind('msg', (data: { n: number }) => log.push(`msg ${data.n}`));
    channel.bind('pushy:subscription-success', (data: { recovered?: boolean }) => log.push(`success recovered=${String(data.recovered)}`));
    channel.bind('pushy:resubscribed', (info: { channel: string; recovered: boolean }) => log.push(`resubscribed ${info.channel} ${String(info.recovered)}`));
    return log;
  }

  function succeed(socket: FakeSocket, channel: string, position: Record<string, unknown>): void {
    socket.frame({ event: 'pushy:subscription-success', data: { channel, memberId: 'm1', ...position } });
  }

  function msg(socket: FakeSocket, channel: string, offset: number): void {
    socket.frame({ event: 'msg', channel, data: { n: offset }, offset });
  }

  /** Drops the socket, lets the retry timer fire, and greets the new socket. */
  function reconnect(sockets: ReturnType<typeof fakeSockets>, socketId: string): FakeSocket {
    sockets.last().drop();
    clock.tick(30_000);
    sockets.last().hello(socketId);
    return sockets.last();
  }

  it('sends no since on the first subscribe, then resumes from the highest offset received', () => {
    const { pushy, sockets } = start();
    const channel = pushy.subscribe('chat');
    const log = record(channel);
    sockets.last().hello(S1);
    expect(sockets.last().commands('subscribe')[0].data).to.deep.equal({ channel: 'chat' });
    succeed(sockets.last(), 'chat', { offset: 7, epoch: 'e1' });
    expect(channel.position).to.deep.equal({ offset: 7, epoch: 'e1' });
    expect(channel.recovered).to.equal(undefined);
    msg(sockets.last(), 'chat', 8);
    msg(sockets.last(), 'chat', 9);
    // Pushy's own events carry no offset and leave the position alone.
    sockets.last().frame({ event: 'pushy:presence-add', channel: 'chat', data: {} });
    expect(channel.position).to.deep.equal({ offset: 9, epoch: 'e1' });

    const second = reconnect(sockets, S2);
    expect(second.commands('subscribe').map((f) => f.data)).to.deep.equal([{ channel: 'chat', since: { offset: 9, epoch: 'e1' } }]);
    succeed(second, 'chat', { offset: 12, epoch: 'e1', recovered: true });
    expect(channel.recovered).to.equal(true);
    // The replay: the missed events arrive as plain event frames before live ones.
    for (const offset of [10, 11, 12, 13]) msg(second, 'chat', offset);
    expect(log).to.deep.equal([
      'success recovered=undefined',
      'msg 8',
      'msg 9',
      'success recovered=true',
      'resubscribed chat true',
      'msg 10',
      'msg 11',
      'msg 12',
      'msg 13',
    ]);
    expect(channel.position).to.deep.equal({ offset: 13, epoch: 'e1' });
  });

  it('a drop in the middle of a replay resumes after the last replayed event, not at the success offset', () => {
    const { pushy, sockets } = start();
    const channel = pushy.subscribe('chat');
    sockets.last().hello(S1);
    succeed(sockets.last(), 'chat', { offset: 0, epoch: 'e1' });
    const second = reconnect(sockets, S2);
    succeed(second, 'chat', { offset: 50, epoch: 'e1', recovered: true });
    expect(channel.position).to.deep.equal({ offset: 0, epoch: 'e1' });
    for (let offset = 1; offset <= 20; offset += 1) msg(second, 'chat', offset);
    const third = reconnect(sockets, 's3');
    expect(third.commands('subscribe')[0].data).to.deep.equal({ channel: 'chat', since: { offset: 20, epoch: 'e1' } });
  });

  it('recovered: false tells the app to reload and starts over from the new epoch and offset', () => {
    const { pushy, sockets } = start();
    const channel = pushy.subscribe('chat');
    const log = record(channel);
    sockets.last().hello(S1);
    succeed(sockets.last(), 'chat', { offset: 3, epoch: 'e1' });
    msg(sockets.last(), 'chat', 4);
    const second = reconnect(sockets, S2);
    succeed(second, 'chat', { offset: 2, epoch: 'e2', recovered: false });
    expect(channel.recovered).to.equal(false);
    expect(channel.position, 'the old offset means nothing in a new epoch').to.deep.equal({ offset: 2, epoch: 'e2' });
    msg(second, 'chat', 3);
    expect(log).to.deep.equal(['success recovered=undefined', 'msg 4', 'success recovered=false', 'resubscribed chat false', 'msg 3']);
    const third = reconnect(sockets, 's3');
    expect(third.commands('subscribe')[0].data).to.deep.equal({ channel: 'chat', since: { offset: 3, epoch: 'e2' } });
  });

  it('keeps the highest offset when events from two nodes arrive out of order', () => {
    const { pushy, sockets } = start();
    const channel = pushy.subscribe('chat');
    sockets.last().hello(S1);
    succeed(sockets.last(), 'chat', { offset: 0, epoch: 'e1' });
    msg(sockets.last(), 'chat', 2);
    msg(sockets.last(), 'chat', 1);
    expect(channel.position).to.deep.equal({ offset: 2, epoch: 'e1' });
  });

  it('sends since with the re-authorised subscribe of a private channel', async () => {
    const fetch = (async (_url: unknown, init?: RequestInit) => {
      const fields = Object.fromEntries(new URLSearchParams(String(init?.body)));
      return new Response(JSON.stringify({ auth: `sig-${fields.connection_id}` }), { status: 200 });
    }) as typeof globalThis.fetch;
    const { pushy, sockets } = start({ authEndpoint: '/auth', fetch });
    const channel = pushy.subscribe('private-inbox');
    const log = record(channel);
    sockets.last().hello(S1);
    sockets.last().frame({ event: 'pushy:subscription-needauth', data: { channel: 'private-inbox' } });
    await settle();
    expect(sockets.last().commands('subscribe').at(-1).data).to.deep.equal({ channel: 'private-inbox', auth: `sig-${S1}` });
    succeed(sockets.last(), 'private-inbox', { offset: 5, epoch: 'e1' });
    msg(sockets.last(), 'private-inbox', 6);

    const second = reconnect(sockets, S2);
    second.frame({ event: 'pushy:subscription-needauth', data: { channel: 'private-inbox' } });
    await settle();
    const since = { offset: 6, epoch: 'e1' };
    expect(second.commands('subscribe').map((f) => f.data)).to.deep.equal([
      { channel: 'private-inbox', since },
      { channel: 'private-inbox', auth: `sig-${S2}`, since },
    ]);
    succeed(second, 'private-inbox', { offset: 7, epoch: 'e1', recovered: true });
    msg(second, 'private-inbox', 7);
    expect(log.slice(-3)).to.deep.equal(['success recovered=true', 'resubscribed private-inbox true', 'msg 7']);
  });

  it('starts from now after unsubscribe() and subscribe() again: no since, no resubscribed event', () => {
    const { pushy, sockets } = start();
    const channel = pushy.subscribe('chat');
    const log = record(channel);
    sockets.last().hello(S1);
    succeed(sockets.last(), 'chat', { offset: 3, epoch: 'e1' });
    channel.unsubscribe();
    expect(channel.position).to.equal(undefined);
    channel.subscribe();
    expect(sockets.last().commands('subscribe').map((f) => f.data)).to.deep.equal([{ channel: 'chat' }, { channel: 'chat' }]);
    succeed(sockets.last(), 'chat', { offset: 9, epoch: 'e1' });
    expect(channel.recovered).to.equal(undefined);
    expect(log).to.deep.equal(['success recovered=undefined', 'success recovered=undefined']);
  });

  it('against a server without history (no epoch) resubscribes plainly', () => {
    const { pushy, sockets } = start();
    const channel = pushy.subscribe('chat');
    const log = record(channel);
    sockets.last().hello(S1);
    succeed(sockets.last(), 'chat', {});
    sockets.last().frame({ event: 'msg', channel: 'chat', data: { n: 1 } });
    expect(channel.position).to.equal(undefined);
    const second = reconnect(sockets, S2);
    expect(second.commands('subscribe')[0].data).to.deep.equal({ channel: 'chat' });
    succeed(second, 'chat', {});
    expect(channel.recovered).to.equal(undefined);
    expect(log).to.deep.equal(['success recovered=undefined', 'msg 1', 'success recovered=undefined']);
  });

  it('a channel subscribed before the first connection sends no since', () => {
    const { pushy, sockets } = start({ autoConnect: false });
    pushy.subscribe('early');
    pushy.connect();
    sockets.last().hello(S1);
    expect(sockets.last().commands('subscribe')[0].data).to.deep.equal({ channel: 'early' });
  });
});
