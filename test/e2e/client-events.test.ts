import { expect } from 'chai';
import { Pushy } from 'pushy-server/client';
import { signChannelV3 } from '../../lib/signing.js';
import { TestClient, type Frame } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

/** Subscribes a test client to a private or presence channel with a v3 auth. */
async function join(client: TestClient, srv: TestServer, channel: string, member?: Record<string, unknown>): Promise<Frame> {
  const socketId = client.frames.find((f) => f.event === 'pushy:connect')!.data.socketId as string;
  const presenceData = member === undefined ? undefined : JSON.stringify(member);
  const auth = signChannelV3({ socketId, channel, presenceData, secretKey: srv.secret });
  return client.subscribe(channel, presenceData === undefined ? { auth } : { auth, data: presenceData });
}

/** Sends a publish-event with an id and waits for its reply or error. */
async function send(client: TestClient, data: Record<string, unknown>, id: string): Promise<Frame> {
  client.command('publish-event', data, id);
  return client.nextAny((f) => (f.event === 'pushy:reply' || f.event === 'pushy:error') && f.data?.id === id);
}

describe('e2e: client events (client-* through publish-event)', () => {
  describe('turned on', () => {
    let srv: TestServer;
    before(async () => {
      srv = await startServer({ clientEvents: { enabled: true, perSecond: 3 } });
    });
    after(async () => {
      await srv.close();
    });

    it('reaches the other subscribers of a private channel, never the sender', async () => {
      const a = await TestClient.connect(srv.url);
      const b = await TestClient.connect(srv.url);
      await join(a, srv, 'private-chat');
      await join(b, srv, 'private-chat');
      const reply = await send(a, { channel: 'private-chat', event: 'client-typing', data: { on: true } }, 'c1');
      expect(reply.event).to.equal('pushy:reply');
      const got = await b.next('client-typing');
      expect(got.data).to.deep.equal({ on: true });
      expect(got.memberId).to.equal(undefined);
      await trigger(srv.url, 'private-chat', 'fence', {}, { secret: srv.secret });
      await a.next('fence');
      expect(a.events('client-typing')).to.have.length(0);
      await a.close();
      await b.close();
    });

    it("carries the sender's memberId on presence channels", async () => {
      const a = await TestClient.connect(srv.url);
      const b = await TestClient.connect(srv.url);
      const joined = await join(a, srv, 'presence-room', { id: 'alice' });
      await join(b, srv, 'presence-room', { id: 'bob' });
      await send(a, { channel: 'presence-room', event: 'client-wave' }, 'c2');
      const got = await b.next('client-wave');
      expect(got.memberId).to.equal(joined.data.memberId);
      await a.close();
      await b.close();
    });

    it('refuses public channels, unsubscribed channels and over-rate senders, with codes', async () => {
      const a = await TestClient.connect(srv.url);
      await a.subscribe('public-room');
      expect((await send(a, { channel: 'public-room', event: 'client-x' }, 'p')).data).to.include({ code: '446', name: 'CLIENT_EVENTS_DISABLED' });
      expect((await send(a, { channel: 'private-nope', event: 'client-x' }, 'n')).data.code).to.equal('403');
      await join(a, srv, 'private-rate');
      // Sent at once (5 over a burst of 3): the answers are collected afterwards.
      const answers = await Promise.all([0, 1, 2, 3, 4].map((i) => send(a, { channel: 'private-rate', event: 'client-x', data: i }, `r${i}`)));
      const limited = answers.filter((f) => f.event === 'pushy:error');
      expect(limited.length).to.be.greaterThan(0);
      expect(limited[0]!.data).to.include({ code: '429', name: 'CLIENT_EVENTS_RATE_LIMITED' });
      await a.close();
    });

    it('the browser client sends them with channel.publish and gets the sender in the listener info', async () => {
      const sender = new Pushy(srv.url, { transports: ['websocket'], authorizer: (channel, socketId) => ({ auth: signChannelV3({ socketId, channel, presenceData: '{"id":"js"}', secretKey: srv.secret }), data: '{"id":"js"}' }) });
      const receiver = new Pushy(srv.url, { transports: ['websocket'], authorizer: (channel, socketId) => ({ auth: signChannelV3({ socketId, channel, presenceData: '{"id":"rx"}', secretKey: srv.secret }), data: '{"id":"rx"}' }) });
      try {
        const subscribed = (pushy: Pushy): Promise<any> => new Promise((resolve) => pushy.channel('presence-js').bind('pushy:subscription-success', resolve).subscribe());
        const mine = await subscribed(sender);
        await subscribed(receiver);
        const got = new Promise<[any, any]>((resolve) => receiver.channel('presence-js').bind('client-hi', (data, info) => resolve([data, info])));
        await sender.channel('presence-js').publish('client-hi', { n: 1 });
        const [data, info] = await got;
        expect(data).to.deep.equal({ n: 1 });
        expect(info).to.include({ channel: 'presence-js', memberId: mine.memberId });
      } finally {
        sender.disconnect();
        receiver.disconnect();
      }
    });
  });

  it('are refused with 446 by default', async () => {
    const srv = await startServer();
    try {
      const a = await TestClient.connect(srv.url);
      await join(a, srv, 'private-off');
      expect((await send(a, { channel: 'private-off', event: 'client-x' }, 'o')).data).to.include({ code: '446', name: 'CLIENT_EVENTS_DISABLED' });
      await a.close();
    } finally {
      await srv.close();
    }
  });
});
