import { expect } from 'chai';
import { eventsUrlV3 } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { post, trigger, type TriggerAnswer } from '../helpers/trigger.js';

/** POSTs a v3-signed multi-channel or batch trigger through the real HTTP endpoint. */
function send(srv: TestServer, route: 'events' | 'batch', body: unknown, secret = srv.secret): Promise<TriggerAnswer> {
  const text = JSON.stringify(body);
  return post(eventsUrlV3({ baseUrl: srv.url, route, body: text, secretKey: secret }), text);
}

describe('e2e: multi-channel and batch triggers', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ limits: { maxTriggerChannels: 3, maxBatchEvents: 2 } });
  });
  after(async () => {
    await srv.close();
  });

  it('POST /pushy/events publishes one event to every listed channel, each in its own history', async () => {
    const client = await TestClient.connect(srv.url);
    await client.subscribe('shop-1');
    await client.subscribe('shop-2');
    const answer = await send(srv, 'events', { name: 'price', data: { sku: 'A1' }, channels: ['shop-1', 'SHOP-2', 'shop-3'] });
    expect(answer.status).to.equal(201);
    const one = await client.next('price', (f) => f.channel === 'shop-1');
    const two = await client.next('price', (f) => f.channel === 'shop-2');
    expect([one.data, two.data, one.offset, two.offset]).to.deep.equal([{ sku: 'A1' }, { sku: 'A1' }, 1, 1]);
    await client.close();
  });

  it('POST /pushy/batch_events publishes each event to its channel; 200 when nobody listens', async () => {
    const client = await TestClient.connect(srv.url);
    await client.subscribe('batch-a');
    const answer = await send(srv, 'batch', { batch: [{ name: 'one', channel: 'batch-a', data: 1 }, { event: 'two', channel: 'batch-a', data: 2 }] });
    expect(answer.status).to.equal(201);
    await client.next('two');
    expect(client.events('one').map((f) => f.data)).to.deep.equal([1]);
    const nobody = await send(srv, 'batch', { batch: [{ name: 'x', channel: 'batch-nobody' }] });
    expect(nobody.status).to.equal(200);
    await client.close();
  });

  it('leaves out the sender (socket_id) and publishes a repeated idempotency_key once per channel', async () => {
    const sender = await TestClient.connect(srv.url);
    const other = await TestClient.connect(srv.url);
    const socketId = sender.frames.find((f) => f.event === 'pushy:connect')!.data.socketId as string;
    for (const c of [sender, other]) await c.subscribe('idem-1');
    await other.subscribe('idem-2');
    const first = await send(srv, 'events', { name: 'e', data: 1, channels: ['idem-1'], idempotency_key: 'k', socket_id: socketId });
    // The retry names a second channel: only that one is published.
    const retry = await send(srv, 'events', { name: 'e', data: 1, channels: ['idem-1', 'idem-2'], idempotency_key: 'k', socket_id: socketId });
    expect([first.status, retry.status]).to.deep.equal([201, 201]);
    await other.next('e', (f) => f.channel === 'idem-2');
    await send(srv, 'events', { name: 'last', channel: 'idem-1' });
    await other.next('last');
    await sender.next('last');
    expect(other.events('e', 'idem-1')).to.have.length(1);
    expect(sender.events('e')).to.have.length(0);
    await sender.close();
    await other.close();
  });

  it('refuses bad bodies with 400 naming the field, and the limits', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ name: 'e', channels: ['a', 'A'] }, /channels\[1\]: "a" is listed twice/],
      [{ name: 'e', channels: ['a', 'b', 'c', 'd'] }, /at most 3 channels/],
      [{ name: 'e', channels: ['bad name'] }, /channels\[0\]: must be a channel name/],
      [{ channels: ['a'] }, /name: required/],
      [[1, 2], /must be a JSON object/],
    ];
    for (const [body, message] of cases) {
      const answer = await send(srv, 'events', body);
      expect(answer.status, JSON.stringify(body)).to.equal(400);
      expect(answer.body.error.code).to.equal('400');
      expect(answer.body.error.message).to.match(message);
    }
    const tooMany = await send(srv, 'batch', { batch: [1, 2, 3].map((n) => ({ name: 'e', channel: `c${n}` })) });
    expect(tooMany.status).to.equal(400);
    expect(tooMany.body.error.message).to.match(/batch: must have at most 2 events/);
    const noJson = await post(eventsUrlV3({ baseUrl: srv.url, route: 'events', body: '{', secretKey: srv.secret }), '{');
    expect(noJson.status).to.equal(400);
  });

  it('takes only v3 signatures, each once, over the route: a bad or missing one gets 403', async () => {
    const body = JSON.stringify({ name: 'e', channel: 'sig' });
    const bad = await send(srv, 'events', { name: 'e', channel: 'sig' }, 'wrong-secret');
    expect(bad.status).to.equal(403);
    const unsigned = await post(`${srv.url}/pushy/events`, body);
    expect(unsigned.status).to.equal(403);
    expect(unsigned.body.error.message).to.match(/only v3 signatures/);
    // A signature of the events route does not open the batch route.
    const url = new URL(eventsUrlV3({ baseUrl: srv.url, route: 'events', body, secretKey: srv.secret }));
    const other = await post(`${srv.url}/pushy/batch_events${url.search}`, body);
    expect(other.status).to.equal(403);
    const once = await post(url.toString(), body);
    const again = await post(url.toString(), body);
    expect([once.status, again.status]).to.deep.equal([200, 409]);
  });

  it('still serves the single trigger', async () => {
    const answer = await trigger(srv.url, 'single', 'e', {}, { secret: srv.secret });
    expect(answer.status).to.equal(200);
  });
});
