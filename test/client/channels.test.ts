import { expect } from 'chai';
import sinon from 'sinon';
import { S1, S2, settle, startFakeClient, type FakeSocket } from './fake-socket.js';

/** A fake auth endpoint: records requests, answers with `answer(body)`. */
function fakeAuth(answer: (fields: Record<string, string>) => { status: number; body: unknown }) {
  const requests: Array<{ url: string; fields: Record<string, string>; headers: Record<string, string>; contentType: string }> = [];
  const fetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const headers = init?.headers as Record<string, string>;
    const contentType = headers['Content-Type'] ?? '';
    const text = String(init?.body);
    const fields = contentType === 'application/json' ? JSON.parse(text) : Object.fromEntries(new URLSearchParams(text));
    requests.push({ url: String(url), fields, headers, contentType });
    const { status, body } = answer(fields);
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  };
  return { requests, fetch: fetch as typeof globalThis.fetch };
}

describe('client: channels, auth and presence (fake socket)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    clock.restore();
  });

  const start = startFakeClient;

  function succeed(socket: FakeSocket, channel: string, extra: Record<string, unknown> = {}): void {
    socket.frame({ event: 'pushy:subscription-success', data: { channel, memberId: 'm1', ...extra } });
  }

  it('lowercases channel names everywhere and delivers events to the channel', () => {
    const { pushy, sockets } = start();
    const channel = pushy.channel('News-Feed');
    expect(channel.name).to.equal('news-feed');
    expect(pushy.channel('NEWS-FEED')).to.equal(channel);
    const got: unknown[] = [];
    channel.bind('story', (data: unknown) => got.push(data));
    channel.subscribe();
    sockets.last().hello(S1);
    expect(sockets.last().commands('subscribe')[0].data).to.deep.equal({ channel: 'news-feed' });
    succeed(sockets.last(), 'news-feed');
    expect(channel.subscribed).to.equal(true);
    sockets.last().frame({ event: 'story', channel: 'news-feed', data: { a: 1 } });
    expect(got).to.deep.equal([{ a: 1 }]);
  });

  it('refuses invalid channel names at once', () => {
    const { pushy } = start();
    expect(() => pushy.channel('bad name!')).to.throw(TypeError, /invalid channel name/);
    expect(() => pushy.channel('')).to.throw(TypeError);
  });

  it('unbind removes a listener', () => {
    const { pushy, sockets } = start();
    const channel = pushy.subscribe('c');
    sockets.last().hello(S1);
    succeed(sockets.last(), 'c');
    const got: unknown[] = [];
    const listener = (data: unknown) => got.push(data);
    channel.bind('e', listener);
    sockets.last().frame({ event: 'e', channel: 'c', data: 1 });
    channel.unbind('e', listener);
    sockets.last().frame({ event: 'e', channel: 'c', data: 2 });
    expect(got).to.deep.equal([1]);
  });

  it('resubscribes every wanted channel after a reconnect, but not unsubscribed ones', () => {
    const { pushy, sockets } = start();
    const a = pushy.subscribe('a');
    const b = pushy.subscribe('b');
    sockets.last().hello(S1);
    succeed(sockets.last(), 'a');
    succeed(sockets.last(), 'b');
    b.unsubscribe();
    expect(sockets.last().commands('unsubscribe').map((f) => f.data)).to.deep.equal([{ channel: 'b' }]);
    sockets.last().drop();
    expect(a.state).to.equal('subscribing');
    clock.tick(500);
    sockets.last().hello(S2);
    expect(sockets.last().commands('subscribe').map((f) => f.data)).to.deep.equal([{ channel: 'a' }]);
    succeed(sockets.last(), 'a');
    expect(a.subscribed).to.equal(true);
    expect(b.state).to.equal('unsubscribed');
  });

  it('authorises a private channel through the endpoint (form by default) and subscribes with the signature', async () => {
    const auth = fakeAuth(() => ({ status: 200, body: { auth: 'sig-1' } }));
    const { pushy, sockets } = start({ authEndpoint: '/auth', authHeaders: { 'X-CSRF': 't' }, fetch: auth.fetch });
    const channel = pushy.subscribe('Private-Room');
    sockets.last().hello(S1);
    sockets.last().frame({ event: 'pushy:subscription-needauth', data: { channel: 'private-room' } });
    await settle();
    expect(auth.requests).to.have.length(1);
    expect(auth.requests[0]).to.deep.include({ url: '/auth', fields: { channel: 'private-room', connection_id: S1 }, contentType: 'application/x-www-form-urlencoded' });
    expect(auth.requests[0]!.headers['X-CSRF']).to.equal('t');
    expect(sockets.last().commands('subscribe').at(-1).data).to.deep.equal({ channel: 'private-room', auth: 'sig-1' });
    succeed(sockets.last(), 'private-room');
    expect(channel.subscribed).to.equal(true);
  });

  it('re-authorises private channels for the new socket id after a reconnect', async () => {
    const auth = fakeAuth((fields) => ({ status: 200, body: { auth: `sig-${fields.connection_id}` } }));
    const { pushy, sockets } = start({ authEndpoint: '/auth', authTransport: 'json', fetch: auth.fetch });
    pushy.subscribe('private-x');
    sockets.last().hello(S1);
    sockets.last().frame({ event: 'pushy:subscription-needauth', data: { channel: 'private-x' } });
    await settle();
    succeed(sockets.last(), 'private-x');
    sockets.last().drop();
    clock.tick(500);
    sockets.last().hello(S2);
    sockets.last().frame({ event: 'pushy:subscription-needauth', data: { channel: 'private-x' } });
    await settle();
    expect(auth.requests.map((r) => r.fields)).to.deep.equal([
      { channel: 'private-x', connection_id: S1 },
      { channel: 'private-x', connection_id: S2 },
    ]);
    expect(auth.requests[1]!.contentType).to.equal('application/json');
    expect(sockets.last().commands('subscribe').at(-1).data).to.deep.equal({ channel: 'private-x', auth: `sig-${S2}` });
  });

  it('never asks the auth endpoint to sign a socket id of another form than the server gives out', async () => {
    const auth = fakeAuth(() => ({ status: 200, body: { auth: 'sig' } }));
    const { pushy, sockets } = start({ authEndpoint: '/auth', fetch: auth.fetch });
    const channel = pushy.subscribe('private-user-5');
    const errors: unknown[] = [];
    channel.bind('subscription-error', (e: unknown) => errors.push(e));
    // With a ':' in it the id would shift into the signed channel name (private-admin:private-user-5).
    sockets.last().hello(`${S1}:private-admin`);
    sockets.last().frame({ event: 'pushy:subscription-needauth', data: { channel: 'private-user-5' } });
    await settle();
    expect(auth.requests).to.have.length(0);
    expect(errors).to.deep.equal([{ channel: 'private-user-5', reason: 'Not a Pushy socket id: refusing to ask for a signature' }]);
  });

  it('a refused auth gives exactly one subscription-error and no more requests, even after a reconnect', async () => {
    const auth = fakeAuth(() => ({ status: 403, body: { error: { code: '403', message: 'no' } } }));
    const { pushy, sockets } = start({ authEndpoint: '/auth', fetch: auth.fetch });
    const channel = pushy.subscribe('private-secret');
    const errors: unknown[] = [];
    channel.bind('subscription-error', (e: unknown) => errors.push(e));
    sockets.last().hello(S1);
    sockets.last().frame({ event: 'pushy:subscription-needauth', data: { channel: 'private-secret' } });
    await settle();
    // A repeated needauth (e.g. from a retried frame) must not start a loop.
    sockets.last().frame({ event: 'pushy:subscription-needauth', data: { channel: 'private-secret' } });
    await settle();
    sockets.last().drop();
    clock.tick(500);
    sockets.last().hello(S2);
    await settle();
    expect(auth.requests).to.have.length(1);
    expect(errors).to.deep.equal([{ channel: 'private-secret', reason: 'Auth endpoint answered 403', status: 403 }]);
    expect(channel.state).to.equal('failed');
    expect(sockets.last().commands('subscribe')).to.have.length(0);
  });

  it('a signature the server refuses gives one subscription-error, no retry', async () => {
    const auth = fakeAuth(() => ({ status: 200, body: { auth: 'wrong' } }));
    const { pushy, sockets } = start({ authEndpoint: '/auth', fetch: auth.fetch });
    const channel = pushy.subscribe('private-y');
    const errors: any[] = [];
    channel.bind('subscription-error', (e: unknown) => errors.push(e));
    sockets.last().hello(S1);
    sockets.last().frame({ event: 'pushy:subscription-needauth', data: { channel: 'private-y' } });
    await settle();
    sockets.last().frame({ event: 'pushy:subscription-failed', data: { channel: 'private-y', reason: 'Invalid credentials' } });
    sockets.last().frame({ event: 'pushy:subscription-needauth', data: { channel: 'private-y' } });
    await settle();
    expect(errors).to.deep.equal([{ channel: 'private-y', reason: 'Invalid credentials' }]);
    expect(auth.requests).to.have.length(1);
  });

  it('signs through the app\'s own authorizer when given one, for each new socket id', async () => {
    const calls: Array<[string, string]> = [];
    const { pushy, sockets } = start({
      authEndpoint: '/never-asked',
      fetch: () => Promise.reject(new Error('the endpoint must not be asked')),
      authorizer: async (channel, socketId) => {
        calls.push([channel, socketId]);
        return { auth: `sig-${socketId}`, data: { id: 'ops' } as unknown as string };
      },
    });
    const channel = pushy.subscribe('presence-Ops');
    sockets.last().hello('s1');
    sockets.last().frame({ event: 'pushy:subscription-needauth', data: { channel: 'presence-ops' } });
    await settle();
    // An object is sent as the JSON text the server signs.
    expect(sockets.last().commands('subscribe').at(-1).data).to.deep.equal({ channel: 'presence-ops', auth: 'sig-s1', data: '{"id":"ops"}' });
    succeed(sockets.last(), 'presence-ops');
    expect(channel.subscribed).to.equal(true);
    sockets.last().drop();
    clock.tick(500);
    sockets.last().hello('s2');
    sockets.last().frame({ event: 'pushy:subscription-needauth', data: { channel: 'presence-ops' } });
    await settle();
    expect(calls).to.deep.equal([
      ['presence-ops', 's1'],
      ['presence-ops', 's2'],
    ]);
  });

  it('an authorizer that throws or answers no auth gives one subscription-error', async () => {
    const answers: Array<() => unknown> = [
      () => {
        throw new Error('not allowed here');
      },
      () => ({ signature: 'wrong field' }),
    ];
    const reasons: string[] = [];
    for (const answer of answers) {
      const { pushy, sockets } = start({ authorizer: async () => answer() as never });
      const channel = pushy.subscribe('private-q');
      channel.bind('subscription-error', (e: { reason: string }) => reasons.push(e.reason));
      sockets.last().hello('s1');
      sockets.last().frame({ event: 'pushy:subscription-needauth', data: { channel: 'private-q' } });
      await settle();
      expect(channel.state).to.equal('failed');
      expect(sockets.last().commands('subscribe')).to.have.length(1);
    }
    expect(reasons).to.deep.equal(['Authorizer failed: not allowed here', 'Authorizer answered no "auth"']);
  });

  it('fails a private channel at once when no authEndpoint is configured', async () => {
    const { pushy, sockets } = start();
    const channel = pushy.subscribe('private-z');
    const errors: any[] = [];
    channel.bind('subscription-error', (e: unknown) => errors.push(e));
    sockets.last().hello(S1);
    sockets.last().frame({ event: 'pushy:subscription-needauth', data: { channel: 'private-z' } });
    await settle();
    expect(errors).to.have.length(1);
    expect(errors[0].reason).to.match(/authEndpoint/);
  });

  it('a subscribe refused with pushy:error (e.g. too many subscriptions) gives a subscription-error', async () => {
    const { pushy, sockets } = start();
    const channel = pushy.subscribe('busy');
    const errors: any[] = [];
    channel.bind('subscription-error', (e: unknown) => errors.push(e));
    sockets.last().hello(S1);
    const id = sockets.last().commands('subscribe')[0].id;
    sockets.last().frame({ event: 'pushy:error', data: { id, code: '429', message: 'Too many subscriptions on this connection' } });
    await settle();
    expect(errors).to.deep.equal([{ channel: 'busy', reason: 'Too many subscriptions on this connection' }]);
  });

  it('takes an already-subscribed refusal by its name, whatever its text, and stays subscribed', () => {
    const { pushy, sockets } = start();
    const channel = pushy.subscribe('twice');
    const errors: unknown[] = [];
    channel.bind('subscription-error', (e: unknown) => errors.push(e));
    sockets.last().hello('s1');
    const reason = 'Déjà abonné à ce canal';
    sockets.last().frame({ event: 'pushy:subscription-failed', data: { channel: 'twice', reason, code: '400', name: 'ALREADY_SUBSCRIBED' } });
    expect(channel.state).to.equal('subscribed');
    expect(errors).to.deep.equal([]);
  });

  it('gives a refused command\'s error name beside its code', async () => {
    const { pushy, sockets } = start();
    sockets.last().hello('s1');
    const refused = pushy.exec('anything', {}).catch((error: unknown) => error);
    const id = sockets.last().commands('anything')[0].id;
    sockets.last().frame({ event: 'pushy:error', data: { id, code: '429', name: 'TOO_MANY_QUEUED_FRAMES', message: 'Too many frames waiting to be handled' } });
    expect(await refused).to.include({ code: '429', errorName: 'TOO_MANY_QUEUED_FRAMES' });
  });

  it('keeps presence members current and reports who came and went while away', async () => {
    const auth = fakeAuth(() => ({ status: 200, body: { auth: 'sig', data: '{"id":"u1","name":"Ann"}' } }));
    const { pushy, sockets } = start({ authEndpoint: '/auth', fetch: auth.fetch });
    const channel = pushy.subscribe('presence-room');
    const log: string[] = [];
    channel.bind('pushy:member-added', (m: any) => log.push(`+${m.id}`));
    channel.bind('pushy:member-quit', (m: any) => log.push(`-${m.id}`));
    sockets.last().hello(S1);
    sockets.last().frame({ event: 'pushy:subscription-needauth', data: { channel: 'presence-room' } });
    await settle();
    expect(sockets.last().commands('subscribe').at(-1).data).to.deep.equal({ channel: 'presence-room', auth: 'sig', data: '{"id":"u1","name":"Ann"}' });
    const member = (id: string, memberId: string) => ({ id, memberId, subscribed: 1, idle: false });
    succeed(sockets.last(), 'presence-room', { memberId: 'm1', presence: [member('u1', 'm1'), member('u2', 'm2')] });
    expect(channel.memberId).to.equal('m1');
    expect(channel.members.map((m) => m.id)).to.deep.equal(['u1', 'u2']);
    sockets.last().frame({ event: 'pushy:presence-add', channel: 'presence-room', data: { member: member('u3', 'm3') } });
    sockets.last().frame({ event: 'pushy:presence-quit', channel: 'presence-room', data: { member: member('u2', 'm2') } });
    expect(channel.members.map((m) => m.id)).to.deep.equal(['u1', 'u3']);
    expect(log).to.deep.equal(['+u3', '-u2']);
    // Away and back: u3 left and u4 came meanwhile.
    sockets.last().drop();
    clock.tick(500);
    sockets.last().hello(S2);
    sockets.last().frame({ event: 'pushy:subscription-needauth', data: { channel: 'presence-room' } });
    await settle();
    succeed(sockets.last(), 'presence-room', { memberId: 'm9', presence: [member('u1', 'm9'), member('u4', 'm4')] });
    expect(channel.members.map((m) => m.id)).to.deep.equal(['u1', 'u4']);
    expect(log).to.deep.equal(['+u3', '-u2', '-u3', '+u4']);
  });

  it('keeps members with the ids 1 and "1" apart', () => {
    const { pushy, sockets } = start();
    const channel = pushy.subscribe('typed-room');
    sockets.last().hello('s1');
    const member = (id: string | number, memberId: string) => ({ id, memberId, subscribed: 1, idle: false });
    succeed(sockets.last(), 'typed-room', { memberId: 'm1', presence: [member(1, 'm1')] });
    sockets.last().frame({ event: 'pushy:presence-add', channel: 'typed-room', data: { member: member('1', 'm2') } });
    expect(channel.members.map((m) => m.id)).to.deep.equal([1, '1']);
    sockets.last().frame({ event: 'pushy:presence-quit', channel: 'typed-room', data: { member: member(1, 'm1') } });
    expect(channel.members.map((m) => m.id)).to.deep.equal(['1']);
  });

  it('drops an auth answer that arrives after its socket is gone, and authorises the new one', async () => {
    let release: (() => void) | undefined;
    const requests: string[] = [];
    const fetch = (async (_url: unknown, init?: RequestInit) => {
      const fields = Object.fromEntries(new URLSearchParams(String(init?.body)));
      requests.push(fields.connection_id!);
      if (requests.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return new Response(JSON.stringify({ auth: `sig-${fields.connection_id}` }), { status: 200 });
    }) as typeof globalThis.fetch;
    const { pushy, sockets } = start({ authEndpoint: '/auth', fetch });
    pushy.subscribe('private-slow');
    sockets.last().hello(S1);
    sockets.last().frame({ event: 'pushy:subscription-needauth', data: { channel: 'private-slow' } });
    await settle();
    sockets.last().drop();
    clock.tick(500);
    sockets.last().hello(S2);
    release!();
    await settle();
    expect(sockets.last().commands('subscribe').map((f) => f.data)).to.deep.equal([{ channel: 'private-slow' }]);
    expect(sockets.sockets[0]!.commands('subscribe')).to.have.length(1);
    sockets.last().frame({ event: 'pushy:subscription-needauth', data: { channel: 'private-slow' } });
    await settle();
    expect(sockets.last().commands('subscribe').at(-1).data).to.deep.equal({ channel: 'private-slow', auth: `sig-${S2}` });
  });
});
