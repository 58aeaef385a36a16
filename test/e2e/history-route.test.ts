import { expect } from 'chai';
import { startServer, type TestServer } from '../helpers/server.js';
import { getJson, historyUrl } from '../helpers/history.js';
import { trigger } from '../helpers/trigger.js';

describe('e2e: GET /pushy/channel/<channel>/history', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ history: { size: 100, ttl: 300, rules: [], maxReadLimit: 5 } });
    for (let n = 1; n <= 8; n += 1) await trigger(srv.url, 'feed', 'item', { n }, { secret: srv.secret });
  });
  after(async () => {
    await srv.close();
  });

  it('returns the events after since, oldest first, with the channel position', async () => {
    const { status, body } = await getJson(historyUrl({ baseUrl: srv.url, channel: 'Feed', secret: srv.secret, since: 5 }));
    expect(status).to.equal(200);
    expect(body).to.include({ channel: 'feed', offset: 8, complete: true });
    expect(body.epoch).to.be.a('string');
    expect(body.events.map((e: { offset: number }) => e.offset)).to.deep.equal([6, 7, 8]);
    expect(body.events[0]).to.include({ offset: 6, event: 'item' });
    expect(body.events[0].data).to.deep.equal({ n: 6 });
    expect(body.events[0].timestamp).to.be.a('number');
  });

  it('caps limit at history.maxReadLimit; paging by the last offset reads the rest', async () => {
    const first = await getJson(historyUrl({ baseUrl: srv.url, channel: 'feed', secret: srv.secret, since: 0, limit: 1000 }));
    expect(first.body.events.map((e: { offset: number }) => e.offset)).to.deep.equal([1, 2, 3, 4, 5]);
    const small = await getJson(historyUrl({ baseUrl: srv.url, channel: 'feed', secret: srv.secret, limit: 2 }));
    expect(small.body.events).to.have.length(2);
    const rest = await getJson(historyUrl({ baseUrl: srv.url, channel: 'feed', secret: srv.secret, since: 5 }));
    expect(rest.body.events.map((e: { offset: number }) => e.offset)).to.deep.equal([6, 7, 8]);
  });

  it('answers a channel without events with offset 0 and no events', async () => {
    const { status, body } = await getJson(historyUrl({ baseUrl: srv.url, channel: 'empty', secret: srv.secret }));
    expect(status).to.equal(200);
    expect(body).to.include({ offset: 0, complete: true });
    expect(body.events).to.deep.equal([]);
  });

  it('refuses a bad signature with 403 "403", without echoing it', async () => {
    const url = new URL(historyUrl({ baseUrl: srv.url, channel: 'feed', secret: 'wrong-secret' }));
    const key = url.searchParams.get('auth_key')!;
    const response = await fetch(url);
    const text = await response.text();
    expect(response.status).to.equal(403);
    expect(JSON.parse(text).error.code).to.equal('403');
    expect(text).to.not.contain(key);
  });

  it('refuses a signature of another channel or of a trigger', async () => {
    const other = new URL(historyUrl({ baseUrl: srv.url, channel: 'other', secret: srv.secret }));
    const url = new URL(historyUrl({ baseUrl: srv.url, channel: 'feed', secret: srv.secret }));
    url.searchParams.set('auth_key', other.searchParams.get('auth_key')!);
    expect((await getJson(url.toString())).status).to.equal(403);
  });

  it('refuses an old timestamp with 403 "501" and bad parameters with 400', async () => {
    const stale = await getJson(historyUrl({ baseUrl: srv.url, channel: 'feed', secret: srv.secret, timestamp: Math.floor(Date.now() / 1000) - 3600 }));
    expect(stale.status).to.equal(403);
    expect(stale.body.error.code).to.equal('501');
    const url = new URL(historyUrl({ baseUrl: srv.url, channel: 'feed', secret: srv.secret }));
    url.searchParams.set('since', '-3');
    const bad = await getJson(url.toString());
    expect(bad.status).to.equal(400);
    expect(bad.body.error.code).to.equal('400');
    url.searchParams.delete('auth_key');
    expect((await getJson(url.toString())).status).to.equal(400);
  });

  it('only answers GET', async () => {
    const response = await fetch(historyUrl({ baseUrl: srv.url, channel: 'feed', secret: srv.secret }), { method: 'POST' });
    expect(response.status).to.equal(405);
    await response.text();
  });
});
