import { expect } from 'chai';
import { signChannel } from '../../lib/signing.js';
import { TestClient, type Frame } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

describe('e2e: private and presence channels', () => {
  let srv: TestServer;
  const clients: TestClient[] = [];
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await srv.close();
  });
  const connect = async (transport: 'websocket' | 'xhr-streaming' | 'xhr-polling' = 'websocket'): Promise<TestClient> => {
    const client = await TestClient.connect(srv.url, transport);
    clients.push(client);
    return client;
  };
  const join = (client: TestClient, channel: string, presence: Record<string, unknown>): Promise<Frame> => {
    const data = JSON.stringify(presence);
    const auth = signChannel({ socketId: client.socketId, channel, presenceData: data, secretKey: srv.secret });
    return client.subscribe(channel, { auth, data });
  };

  describe('private', () => {
    it('asks for auth when none is given', async () => {
      const client = await connect();
      const answer = await client.subscribe('private-secret');
      expect(answer).to.deep.equal({ event: 'pushy:subscription-needauth', data: { channel: 'private-secret' } });
    });

    it('fails on a wrong token, and on a token for another socket', async () => {
      const client = await connect();
      const other = await connect();
      const wrong = await client.subscribe('private-secret', { auth: 'f'.repeat(64) });
      expect(wrong).to.deep.equal({ event: 'pushy:subscription-failed', data: { channel: 'private-secret', reason: 'Invalid credentials', code: '403', name: 'INVALID_CREDENTIALS' } });
      const stolen = signChannel({ socketId: other.socketId, channel: 'private-secret', secretKey: srv.secret });
      expect((await client.subscribe('private-secret', { auth: stolen })).event).to.equal('pushy:subscription-failed');
    });

    it('succeeds on a right token (mixed-case name signed lowercased) and receives events', async () => {
      const client = await connect('xhr-polling');
      const auth = signChannel({ socketId: client.socketId, channel: 'private-secret', secretKey: srv.secret });
      const answer = await client.subscribe('Private-Secret', { auth });
      expect(answer.event).to.equal('pushy:subscription-success');
      expect(answer.data.channel).to.equal('private-secret');
      expect(answer.data.memberId).to.be.a('string');
      expect(answer.data).not.to.have.property('presence');
      await trigger(srv.url, 'private-secret', 'msg', { text: 'psst' }, { secret: srv.secret });
      expect((await client.next('msg')).data).to.deep.equal({ text: 'psst' });
    });

    it('refuses a second subscribe to the same channel', async () => {
      const client = await connect();
      await client.subscribe('public-once');
      const again = await client.subscribe('public-once');
      expect(again).to.deep.equal({
        event: 'pushy:subscription-failed',
        data: { channel: 'public-once', reason: 'Already subscribed to this channel', code: '400', name: 'ALREADY_SUBSCRIBED' },
      });
    });
  });

  describe('presence', () => {
    it('gives the member list on join, presence-add to the others, quit on unsubscribe and disconnect', async () => {
      const ann = await connect();
      const bob = await connect('xhr-streaming');
      const annJoin = await join(ann, 'presence-lobby', { id: 'ann', name: 'Ann' });
      expect(annJoin.event).to.equal('pushy:subscription-success');
      expect(annJoin.data.presence).to.have.length(1);
      const annMember = annJoin.data.presence[0];
      expect(annMember).to.include({ id: 'ann', name: 'Ann', idle: false, memberId: annJoin.data.memberId });
      expect(annMember.subscribed).to.be.a('number');

      const bobJoin = await join(bob, 'presence-lobby', { id: 'bob', name: 'Bob' });
      expect(bobJoin.data.presence.map((m: { id: string }) => m.id).sort()).to.deep.equal(['ann', 'bob']);
      const added = await ann.next('pushy:presence-add');
      expect(added.channel).to.equal('presence-lobby');
      expect(added.data.member).to.include({ id: 'bob', name: 'Bob' });
      expect(bob.events('pushy:presence-add')).to.have.length(0);

      const since = ann.frames.length;
      await bob.request('unsubscribe', { channel: 'presence-lobby' }, 'pushy:subscription-end');
      const quit = await ann.next('pushy:presence-quit', () => true, 5000, since);
      expect(quit.data.member).to.include({ id: 'bob' });

      const carol = await connect();
      await join(carol, 'presence-lobby', { id: 'carol' });
      await ann.next('pushy:presence-add', (f) => f.data.member.id === 'carol');
      const beforeClose = ann.frames.length;
      await carol.close();
      const carolQuit = await ann.next('pushy:presence-quit', () => true, 5000, beforeClose);
      expect(carolQuit.data.member.id).to.equal('carol');
    });

    it('treats two connections with the same presence id as one member', async () => {
      const watcher = await connect();
      await join(watcher, 'presence-dup', { id: 'watcher' });
      const tab1 = await connect();
      const tab2 = await connect('xhr-polling');
      await join(tab1, 'presence-dup', { id: 'dave' });
      await watcher.next('pushy:presence-add', (f) => f.data.member.id === 'dave');
      const second = await join(tab2, 'presence-dup', { id: 'dave' });
      expect(second.data.presence.filter((m: { id: string }) => m.id === 'dave')).to.have.length(1);
      expect(second.data.presence).to.have.length(2);

      await tab1.close();
      // Still one connection left: no quit. The next add proves the watcher has seen everything before it.
      const eve = await connect();
      await join(eve, 'presence-dup', { id: 'eve' });
      await watcher.next('pushy:presence-add', (f) => f.data.member.id === 'eve');
      expect(watcher.events('pushy:presence-quit')).to.have.length(0);
      expect(watcher.events('pushy:presence-add').filter((f) => f.data.member.id === 'dave')).to.have.length(1);

      await tab2.close();
      const quit = await watcher.next('pushy:presence-quit');
      expect(quit.data.member.id).to.equal('dave');
    });

    it('keeps the ids 1 and "1" apart: two members, each with its own add and quit', async () => {
      const watcher = await connect();
      await join(watcher, 'presence-typed', { id: 'watcher' });
      const number = await connect();
      const text = await connect();
      await join(number, 'presence-typed', { id: 1, kind: 'number' });
      await watcher.next('pushy:presence-add', (f) => f.data.member.id === 1);
      const second = await join(text, 'presence-typed', { id: '1', kind: 'string' });
      expect(second.data.presence.map((m: { id: unknown }) => m.id)).to.have.deep.members(['watcher', 1, '1']);
      expect((await watcher.next('pushy:presence-add', (f) => f.data.member.id === '1')).data.member.kind).to.equal('string');

      await text.close();
      expect((await watcher.next('pushy:presence-quit')).data.member).to.include({ id: '1', kind: 'string' });
      await number.close();
      expect((await watcher.next('pushy:presence-quit', (f) => f.data.member.id === 1)).data.member.kind).to.equal('number');
    });

    it('turns presence on for a private- channel that carries data', async () => {
      const client = await connect();
      const answer = await join(client, 'private-with-presence', { name: 'anonymous' });
      expect(answer.data.presence).to.have.length(1);
      expect(answer.data.presence[0].memberId).to.equal(answer.data.memberId);
    });

    it('needs data on presence- channels and refuses bad presence data', async () => {
      const client = await connect();
      expect((await client.subscribe('presence-x')).event).to.equal('pushy:subscription-needauth');
      const auth = signChannel({ socketId: client.socketId, channel: 'presence-x', secretKey: srv.secret });
      const noData = await client.subscribe('presence-x', { auth });
      expect(noData.event).to.equal('pushy:subscription-failed');
      expect(noData.data.reason).to.match(/presence data/i);
      const notObject = await join(client, 'presence-y', [1, 2] as unknown as Record<string, unknown>);
      expect(notObject.event).to.equal('pushy:subscription-failed');
    });

    it('accepts the v1 double-encoded presence signature', async () => {
      const client = await connect();
      const data = JSON.stringify({ id: 'legacy' });
      const auth = signChannel({ socketId: client.socketId, channel: 'presence-v1', presenceData: JSON.stringify(data), secretKey: srv.secret });
      expect((await client.subscribe('presence-v1', { auth, data })).event).to.equal('pushy:subscription-success');
    });
  });
});
