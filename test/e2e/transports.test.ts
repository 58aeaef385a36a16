import { expect } from 'chai';
import { NODE_TRANSPORTS, TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

describe('e2e: every Node transport', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.close();
  });

  for (const transport of NODE_TRANSPORTS) {
    describe(transport, () => {
      it('connects and receives pushy:connect with a socketId, transport name and version', async () => {
        const client = await TestClient.connect(srv.url, transport);
        const connect = client.frames[0]!;
        expect(connect.event).to.equal('pushy:connect');
        expect(connect.data.socketId).to.be.a('string').and.have.length.greaterThan(8);
        expect(connect.data.protocol).to.equal(transport);
        expect(connect.data.version).to.equal(2);
        await client.close();
      });

      it('delivers a triggered event with its channel and data, once per subscriber', async () => {
        const a = await TestClient.connect(srv.url, transport);
        const b = await TestClient.connect(srv.url, transport);
        expect((await a.subscribe(`news-${transport}`)).event).to.equal('pushy:subscription-success');
        expect((await b.subscribe(`News-${transport}`)).event).to.equal('pushy:subscription-success');
        const answer = await trigger(srv.url, `news-${transport}`, 'story', { title: 'hello', n: 1 }, { secret: srv.secret });
        expect(answer.status).to.equal(201);
        expect(answer.body).to.deep.equal({ status: { code: 201, message: 'Ok' } });
        for (const client of [a, b]) {
          const frame = await client.next('story');
          expect(frame).to.deep.equal({ event: 'story', channel: `news-${transport}`, data: { title: 'hello', n: 1 }, offset: 1 });
        }
        // A second event proves the first was not duplicated: each client holds exactly two.
        await trigger(srv.url, `news-${transport}`, 'story', { title: 'again', n: 2 }, { secret: srv.secret });
        for (const client of [a, b]) {
          await client.next('story', (f) => f.data.n === 2);
          expect(client.events('story')).to.have.length(2);
        }
        await Promise.all([a.close(), b.close()]);
      });
    });
  }
});
