import { expect } from 'chai';
import { TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';
import { cannotRecover, recoversMissedEvents, recoversWhilePublishing } from './recovery-scenarios.js';

describe('e2e: recovery on resubscribe (memory)', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ history: { size: 100, ttl: 300, rules: [{ match: 'small-*', size: 10, ttl: 300 }] } });
  });
  after(async () => {
    await srv.close();
  });

  it('subscription-success carries the offset and epoch; events carry their offset; presence events none', async () => {
    const client = await TestClient.connect(srv.url);
    const success = await client.subscribe('offsets');
    expect(success.data).to.include({ channel: 'offsets', offset: 0 });
    expect(success.data.epoch).to.be.a('string').and.not.equal('');
    expect(success.data).to.not.have.property('recovered');
    await trigger(srv.url, 'offsets', 'a', { x: 1 }, { secret: srv.secret });
    await trigger(srv.url, 'offsets', 'b', { x: 2 }, { secret: srv.secret });
    expect(await client.next('a')).to.deep.equal({ event: 'a', channel: 'offsets', data: { x: 1 }, offset: 1 });
    expect((await client.next('b')).offset).to.equal(2);
    // The channel had no history when subscribed: its first event started its epoch.
    const again = await TestClient.connect(srv.url);
    const later = await again.subscribe('offsets');
    expect(later.data.offset).to.equal(2);
    expect(later.data.epoch).to.be.a('string').and.not.equal(success.data.epoch);
    const third = await TestClient.connect(srv.url);
    expect((await third.subscribe('offsets')).data, 'the epoch stays while the channel has history').to.include({ offset: 2, epoch: later.data.epoch });
    await third.close();
    await Promise.all([client.close(), again.close()]);
  });

  it('a client that missed 50 events gets them in order, then live events, none twice', async () => {
    await recoversMissedEvents(srv, srv, 'chat-room');
  });

  it('loses nothing and doubles nothing when events are triggered while it resubscribes', async () => {
    await recoversWhilePublishing(srv, srv, 'busy-room');
  });

  it('answers recovered: false past the history size or with another epoch, and live events still arrive', async () => {
    await cannotRecover(srv, 'small-room', 10);
  });

  it('answers recovered: false after a restart of the memory store (new epoch)', async () => {
    const first = await startServer();
    const client = await TestClient.connect(first.url);
    const success = await client.subscribe('restart');
    await trigger(first.url, 'restart', 'msg', { n: 1 }, { secret: first.secret });
    const got = await client.next('msg');
    await client.close();
    await first.close();

    const second = await startServer();
    try {
      const back = await TestClient.connect(second.url);
      const outcome = await back.subscribe('restart', { since: { offset: got.offset, epoch: success.data.epoch } });
      expect(outcome.data.recovered).to.equal(false);
      expect(outcome.data.epoch).to.not.equal(success.data.epoch);
      await back.close();
    } finally {
      await second.close();
    }
  });

  it('refuses a malformed since with code 400', async () => {
    const client = await TestClient.connect(srv.url);
    for (const since of [{ offset: -1, epoch: 'e' }, { offset: 1.5, epoch: 'e' }, { offset: 1 }, 'x']) {
      const error = await client.subscribe('bad-since', { since });
      expect(error.event).to.equal('pushy:error');
      expect(error.data.code).to.equal('400');
      client.frames.length = 0;
    }
    expect((await client.subscribe('bad-since')).event, 'the connection still works').to.equal('pushy:subscription-success');
    await client.close();
  });
});
