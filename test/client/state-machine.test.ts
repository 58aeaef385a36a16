import { expect } from 'chai';
import sinon from 'sinon';
import { PushyCommandError, type PushyOptions, type StateChange } from 'pushy-server/client';
import { startFakeClient } from './fake-socket.js';

describe('client: connection state machine (fake timers, fake socket)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    clock.restore();
  });

  function start(options: PushyOptions = {}) {
    const { pushy, sockets } = startFakeClient(options);
    const states: StateChange[] = [];
    pushy.bind('state', (change: StateChange) => states.push(change));
    return { pushy, sockets, states, path: () => states.map((s) => s.current) };
  }

  it('starts in initialized without autoConnect, then connecting -> connected on the server hello', () => {
    const { pushy, sockets, path } = start({ autoConnect: false });
    expect(pushy.state).to.equal('initialized');
    expect(sockets.sockets).to.have.length(0);
    const connects: unknown[] = [];
    pushy.bind('connect', (info: unknown) => connects.push(info));
    pushy.connect();
    expect(pushy.state).to.equal('connecting');
    expect(sockets.last().url).to.equal('http://push.example/pushy/socket');
    sockets.last().hello('sock-1');
    expect(pushy.state).to.equal('connected');
    expect(pushy.socketId).to.equal('sock-1');
    expect(connects).to.deep.equal([{ socketId: 'sock-1', protocol: 'websocket' }]);
    expect(path()).to.deep.equal(['connecting', 'connected']);
  });

  it('uses the configured prefix', () => {
    const { sockets } = start({ prefix: '/custom/sock' });
    expect(sockets.last().url).to.equal('http://push.example/custom/sock');
  });

  it('on a dropped socket goes disconnected, emits disconnect, and retries after the backoff delay', () => {
    const { pushy, sockets, states } = start();
    sockets.last().hello('a');
    const disconnects: unknown[] = [];
    pushy.bind('disconnect', (info: unknown) => disconnects.push(info));
    sockets.last().drop(1006, 'gone');
    expect(pushy.state).to.equal('disconnected');
    expect(pushy.socketId).to.equal(undefined);
    expect(disconnects).to.deep.equal([{ reason: 'gone', code: 1006 }]);
    expect(states.at(-1)).to.include({ previous: 'connected', current: 'disconnected', retryIn: 500, code: 1006 });
    clock.tick(499);
    expect(sockets.sockets).to.have.length(1);
    clock.tick(1);
    expect(pushy.state).to.equal('connecting');
    expect(sockets.sockets).to.have.length(2);
    sockets.last().hello('b');
    expect(pushy.socketId).to.equal('b');
  });

  it('backs off exponentially while attempts fail, capped, and resets after a success', () => {
    const { sockets, states } = start({ reconnect: { minDelay: 100, maxDelay: 1000, factor: 2, jitter: 0 } });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      sockets.last().drop();
      const retryIn = states.at(-1)!.retryIn!;
      delays.push(retryIn);
      clock.tick(retryIn);
    }
    expect(delays).to.deep.equal([100, 200, 400, 800, 1000, 1000]);
    sockets.last().hello('ok');
    sockets.last().drop();
    expect(states.at(-1)!.retryIn).to.equal(100);
  });

  it('gives up on a socket that never says hello (connect timeout) and retries', () => {
    const { pushy, sockets, states } = start({ connectTimeout: 3000 });
    const first = sockets.last();
    clock.tick(2999);
    expect(pushy.state).to.equal('connecting');
    clock.tick(1);
    expect(pushy.state).to.equal('disconnected');
    expect(states.at(-1)!.reason).to.equal('connect timeout');
    expect(first.closedWith).to.not.equal(undefined);
    // A late hello from the abandoned socket changes nothing.
    first.hello('late');
    expect(pushy.state).to.equal('disconnected');
    clock.tick(500);
    expect(sockets.sockets).to.have.length(2);
  });

  it('disconnect() closes for good: socket closed, no timer left, late events ignored', () => {
    const { pushy, sockets, path } = start();
    const socket = sockets.last();
    socket.hello('x');
    pushy.disconnect();
    expect(pushy.state).to.equal('closed');
    expect(socket.closedWith).to.deep.equal({ code: 1000, reason: 'Normal closure' });
    expect(clock.countTimers()).to.equal(0);
    socket.drop();
    clock.tick(60_000);
    expect(sockets.sockets).to.have.length(1);
    // The first 'connecting' happened in the constructor, before the listener was bound.
    expect(path()).to.deep.equal(['connected', 'closed']);
  });

  it('disconnect() while waiting to retry cancels the retry; connect() afterwards starts again', () => {
    const { pushy, sockets } = start();
    sockets.last().drop();
    expect(clock.countTimers()).to.equal(1);
    pushy.disconnect();
    expect(clock.countTimers()).to.equal(0);
    pushy.connect();
    expect(pushy.state).to.equal('connecting');
    expect(sockets.sockets).to.have.length(2);
  });

  it('connect() while disconnected retries at once instead of waiting', () => {
    const { pushy, sockets } = start({ reconnect: { minDelay: 10_000, jitter: 0 } });
    sockets.last().drop();
    pushy.connect();
    expect(pushy.state).to.equal('connecting');
    expect(clock.countTimers()).to.equal(1); // only the connect timeout
    expect(sockets.sockets).to.have.length(2);
  });

  it('reports a message that is not a Pushy frame as an error and stays connected', () => {
    const { pushy, sockets } = start();
    sockets.last().hello('x');
    const errors: any[] = [];
    pushy.bind('error', (e: unknown) => errors.push(e));
    sockets.last().onmessage?.({ data: 'not json' });
    expect(errors).to.have.length(1);
    expect(errors[0].message).to.equal('Not a Pushy frame');
    expect(pushy.state).to.equal('connected');
  });

  it('a listener that throws does not stop the others; its error is rethrown on its own task', () => {
    const { pushy, sockets } = start();
    const calls: string[] = [];
    pushy.bind('connect', () => {
      throw new Error('app bug');
    });
    pushy.bind('connect', () => calls.push('second'));
    sockets.last().hello('x');
    expect(calls).to.deep.equal(['second']);
    expect(pushy.state).to.equal('connected');
    expect(() => clock.tick(0)).to.throw('app bug');
  });

  describe('exec', () => {
    it('queues commands until connected, then sends them in order with ids; replies resolve', async () => {
      const { pushy, sockets } = start();
      const first = pushy.exec('echo', { n: 1 });
      const second = pushy.exec('echo', { n: 2 });
      expect(sockets.last().sent).to.deep.equal([]);
      sockets.last().hello('x');
      const sent = sockets.last().commands('echo');
      expect(sent.map((f) => f.data)).to.deep.equal([{ n: 1 }, { n: 2 }]);
      expect(sent[0].id).to.not.equal(sent[1].id);
      sockets.last().frame({ event: 'pushy:reply', data: { id: sent[1].id, result: 'two' } });
      sockets.last().frame({ event: 'pushy:reply', data: { id: sent[0].id, result: 'one' } });
      expect(await first).to.equal('one');
      expect(await second).to.equal('two');
    });

    it('rejects with the server code on pushy:error, and reports errors no command claims', async () => {
      const { pushy, sockets } = start();
      sockets.last().hello('x');
      const errors: unknown[] = [];
      pushy.bind('error', (e: unknown) => errors.push(e));
      const result = pushy.exec('nope');
      const id = sockets.last().commands('nope')[0].id;
      sockets.last().frame({ event: 'pushy:error', data: { id, code: '200', message: 'Unknown command' } });
      const error = await result.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(PushyCommandError);
      expect(error).to.include({ code: '200', message: 'Unknown command' });
      sockets.last().frame({ event: 'pushy:error', data: { code: '100', message: 'Bogus frame' } });
      expect(errors).to.deep.equal([{ code: '100', message: 'Bogus frame' }]);
    });

    it('rejects a sent command when the socket drops, but keeps queued ones for the next connection', async () => {
      const { pushy, sockets } = start();
      sockets.last().hello('x');
      const inFlight = pushy.exec('slow');
      sockets.last().drop();
      const queued = pushy.exec('later');
      const error = await inFlight.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.include({ code: 'disconnected' });
      clock.tick(500);
      sockets.last().hello('y');
      expect(sockets.last().commands('later')).to.have.length(1);
      sockets.last().reply('later', 42);
      expect(await queued).to.equal(42);
    });

    it('rejects everything on disconnect()', async () => {
      const { pushy } = start();
      const queued = pushy.exec('never');
      pushy.disconnect();
      const error = await queued.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.include({ code: 'closed' });
    });
  });
});
