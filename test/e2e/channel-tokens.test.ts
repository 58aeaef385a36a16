import { expect } from 'chai';
import { Pushy } from 'pushy-server/client';
import { signChannelToken } from '../../lib/index.js';
import { TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('e2e: channel tokens (subscribe with {channel, token}, publish-event)', () => {
  let srv: TestServer;
  const token = (channel: string, extra: Partial<Parameters<typeof signChannelToken>[0]> = {}): Promise<string> =>
    signChannelToken({ key: 'default', secret: srv.secret, channel, expiresIn: 60, ...extra });
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.close();
  });

  it('subscribes to a private channel with a token, without auth, and gets its events', async () => {
    const client = await TestClient.connect(srv.url);
    const answer = await client.subscribe('private-orders.17', { token: await token('private-orders.17') });
    expect(answer.event).to.equal('pushy:subscription-success');
    await trigger(srv.url, 'private-orders.17', 'created', { id: 17 }, { secret: srv.secret });
    expect((await client.next('created')).data).to.deep.equal({ id: 17 });
    // A pattern token covers the channels its pattern matches.
    const byPattern = await client.subscribe('private-orders.18', { token: await token('private-orders.*') });
    expect(byPattern.event).to.equal('pushy:subscription-success');
    await client.close();
  });

  it('takes the presence member from the token, not from the frame', async () => {
    const watcher = await TestClient.connect(srv.url);
    await watcher.subscribe('presence-room', { token: await token('presence-room', { presence: { id: 'w' } }) });
    const client = await TestClient.connect(srv.url);
    const success = await client.subscribe('presence-room', { token: await token('presence-room', { presence: { id: 'alice', name: 'Alice' } }), data: { id: 'mallory' } });
    expect(success.event).to.equal('pushy:subscription-success');
    const added = await watcher.next('pushy:presence-add');
    expect(added.data.member).to.include({ id: 'alice', name: 'Alice' });
    const noMember = await client.subscribe('presence-other', { token: await token('private-x') });
    expect(noMember.data.code).to.equal('442');
    await watcher.close();
    await client.close();
  });

  it('refuses expired, mis-scoped, badly signed, unknown-key and other-algorithm tokens with their code and name', async () => {
    const client = await TestClient.connect(srv.url);
    const good = await token('private-a');
    const [header, payload] = good.split('.');
    const cases: Array<[string, string, string]> = [
      [await token('private-a', { now: Date.now() - 3_600_000 }), '441', 'TOKEN_EXPIRED'],
      [await token('private-b'), '442', 'TOKEN_WRONG_CHANNEL'],
      [await signChannelToken({ key: 'default', secret: 'wrong', channel: 'private-a', expiresIn: 60 }), '440', 'TOKEN_INVALID'],
      [`${header}.${payload}.${'A'.repeat(43)}`, '440', 'TOKEN_INVALID'],
      [await signChannelToken({ key: 'other', secret: srv.secret, channel: 'private-a', expiresIn: 60 }), '443', 'TOKEN_UNKNOWN_KEY'],
      [`${b64({ alg: 'none', kid: 'default' })}.${payload}.`, '444', 'TOKEN_ALGORITHM'],
      ['not a jwt', '440', 'TOKEN_INVALID'],
    ];
    for (const [text, code, name] of cases) {
      const answer = await client.subscribe('private-a', { token: text });
      expect(answer.event, name).to.equal('pushy:subscription-failed');
      expect(answer.data, name).to.include({ channel: 'private-a', code, name });
      expect(answer.data.reason).to.be.a('string').and.not.equal('');
    }
    const oversized = await client.request('subscribe', { channel: 'private-a', token: 'x'.repeat(20_000) }, 'pushy:error');
    expect(oversized.data.code).to.be.oneOf(['400', '413']);
    await client.close();
  });

  it('lets a "pub": true token holder publish ordinary events (history, offsets), never echoed; others get 445', async () => {
    const publisher = await TestClient.connect(srv.url);
    const reader = await TestClient.connect(srv.url);
    await publisher.subscribe('private-chat', { token: await token('private-chat', { pub: true }) });
    await reader.subscribe('private-chat', { token: await token('private-chat') });
    publisher.command('publish-event', { channel: 'private-chat', event: 'said', data: { text: 'hi' } }, 'p1');
    const reply = await publisher.next('pushy:reply', (f) => f.data.id === 'p1');
    expect(reply.data.result).to.deep.equal({ channel: 'private-chat', event: 'said', delivered: true });
    const said = await reader.next('said');
    expect(said.data).to.deep.equal({ text: 'hi' });
    expect(said.offset).to.equal(1);
    const refused = await reader.request('publish-event', { channel: 'private-chat', event: 'said', data: {} }, 'pushy:error');
    expect(refused.data).to.include({ code: '445', name: 'PUBLISH_NOT_ALLOWED' });
    const notSubscribed = await reader.request('publish-event', { channel: 'private-elsewhere', event: 'said' }, 'pushy:error');
    expect(notSubscribed.data.code).to.equal('403');
    const serverEvent = await publisher.request('publish-event', { channel: 'private-chat', event: 'pushy:member-added' }, 'pushy:error');
    expect(serverEvent.data.code).to.equal('400');
    await trigger(srv.url, 'private-chat', 'end', {}, { secret: srv.secret });
    await publisher.next('end');
    expect(publisher.events('said')).to.have.length(0);
    await publisher.close();
    await reader.close();
  });

  it('the browser client subscribes with a token and publishes', async () => {
    const pushy = new Pushy(srv.url, { transports: ['websocket'] });
    const reader = await TestClient.connect(srv.url);
    try {
      await reader.subscribe('private-js', { token: await token('private-js') });
      const channel = pushy.channel('private-js');
      const subscribed = new Promise((resolve) => channel.bind('pushy:subscription-success', resolve));
      channel.subscribe({ token: await token('private-js', { pub: true }) });
      await subscribed;
      await channel.publish('hello', { from: 'js' });
      expect((await reader.next('hello')).data).to.deep.equal({ from: 'js' });
      const failed = new Promise<any>((resolve) => pushy.channel('private-js-2').bind('subscription-error', resolve));
      pushy.channel('private-js-2').subscribe({ token: await token('private-other') });
      expect((await failed).reason).to.match(/another channel/);
    } finally {
      pushy.disconnect();
      await reader.close();
    }
  });
});
