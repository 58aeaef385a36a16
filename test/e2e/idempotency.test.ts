import { expect } from 'chai';
import { TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

describe('e2e: idempotent triggers', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.close();
  });

  it('publishes a repeated idempotency_key once and answers success each time; a different key publishes again', async () => {
    const client = await TestClient.connect(srv.url);
    await client.subscribe('orders');
    const send = (key: string, n: number) => trigger(srv.url, 'orders', 'order', { n }, { secret: srv.secret, extraParams: { idempotency_key: key } });
    const first = await send('order-1', 1);
    const retry = await send('order-1', 1);
    const retries = await Promise.all([send('order-1', 1), send('order-1', 1)]);
    expect(first.status).to.equal(201);
    for (const answer of [retry, ...retries]) {
      expect(answer.status).to.equal(201);
      expect(answer.body).to.deep.equal({ status: { code: 201, message: 'Ok' } });
    }
    const other = await send('order-2', 2);
    expect(other.status).to.equal(201);
    await client.next('order', (f) => f.data.n === 2);
    // The channel's offsets prove no hidden publish either: order-2 is the second event.
    expect(client.events('order').map((f) => [f.data.n, f.offset])).to.deep.equal([
      [1, 1],
      [2, 2],
    ]);
    await client.close();
  });

  it('scopes a key to its channel and refuses a malformed key', async () => {
    const client = await TestClient.connect(srv.url);
    await client.subscribe('chan-a');
    await client.subscribe('chan-b');
    const a = await trigger(srv.url, 'chan-a', 'e', {}, { secret: srv.secret, extraParams: { idempotency_key: 'same' } });
    const b = await trigger(srv.url, 'chan-b', 'e', {}, { secret: srv.secret, extraParams: { idempotency_key: 'same' } });
    expect([a.status, b.status]).to.deep.equal([201, 201]);
    await client.next('e', (f) => f.channel === 'chan-a');
    await client.next('e', (f) => f.channel === 'chan-b');
    const tooLong = await trigger(srv.url, 'chan-a', 'e', {}, { secret: srv.secret, extraParams: { idempotency_key: 'k'.repeat(201) } });
    expect(tooLong.status).to.equal(400);
    expect(tooLong.body.error.code).to.equal('400');
    await client.close();
  });

  it('does not take the key when the signature is bad', async () => {
    const bad = await trigger(srv.url, 'chan-c', 'e', {}, { secret: 'wrong', extraParams: { idempotency_key: 'k1' } });
    expect(bad.status).to.equal(403);
    const client = await TestClient.connect(srv.url);
    await client.subscribe('chan-c');
    const good = await trigger(srv.url, 'chan-c', 'e', { ok: true }, { secret: srv.secret, extraParams: { idempotency_key: 'k1' } });
    expect(good.status).to.equal(201);
    await client.next('e');
    await client.close();
  });
});
