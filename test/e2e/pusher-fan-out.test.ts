import type { Socket } from 'node:net';
import { expect } from 'chai';
import { createLogger } from '../../lib/logger.js';
import { PUSHER_CLOSES } from '../../lib/pusher/protocol.js';
import { nextEvent, pusherApps, pusherClient, subscribed, PUSHER_APP, type Pusher } from '../helpers/pusher.js';
import { RawPusherClient } from '../helpers/pusher-raw.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { openStream, rawRequest } from '../helpers/xhr-session.js';

/** The Pusher WebSocket's write path: frames of one turn batched per socket, slow consumers cut off. */
describe('Pusher endpoint: fan-out', function () {
  this.timeout(30_000);
  let server: TestServer;
  const log: string[] = [];
  const raws: RawPusherClient[] = [];
  const clients: Pusher[] = [];

  const publish = (channel: string, event: string, data: unknown): Promise<number> =>
    server.server.channels.publish({ type: 'event', app: PUSHER_APP.id, channel, event, data });
  const raw = async (channel: string): Promise<RawPusherClient> => {
    const { client } = await RawPusherClient.connect(server.url, PUSHER_APP.key);
    raws.push(client);
    client.send({ event: 'pusher:subscribe', data: { channel } });
    await client.next('pusher_internal:subscription_succeeded', channel);
    return client;
  };

  before(async () => {
    server = await startServer({ ...(pusherApps() as object), limits: { maxBufferedBytes: 256 * 1024 } }, { logger: createLogger('warn', (line) => log.push(line)) });
  });
  afterEach(() => {
    for (const made of raws.splice(0)) made.close();
    for (const made of clients.splice(0)) made.disconnect();
  });
  after(() => server.close());

  it('sends the events of one turn to every socket as separate messages, in order', async () => {
    const sockets = await Promise.all([raw('ticks'), raw('ticks'), raw('ticks')]);
    const browserLike = pusherClient(server);
    clients.push(browserLike);
    await subscribed(browserLike, 'ticks');
    const seen: unknown[] = [];
    browserLike.channel('ticks').bind('tick', (data: unknown) => seen.push(data));
    const last = nextEvent(browserLike, 'ticks', 'last');
    // Published in one turn: they leave in one write per socket.
    const published = [];
    for (let n = 0; n < 50; n += 1) published.push(publish('ticks', 'tick', JSON.stringify({ n })));
    published.push(publish('ticks', 'last', '{}'));
    await Promise.all(published);
    await last;
    expect(seen).to.deep.equal(Array.from({ length: 50 }, (_, n) => ({ n })));
    for (const socket of sockets) {
      await socket.next('last', 'ticks');
      const ticks = socket.frames.filter((frame) => frame.event === 'tick');
      expect(ticks.map((frame) => frame.data)).to.deep.equal(Array.from({ length: 50 }, (_, n) => JSON.stringify({ n })));
    }
  });

  it('cuts off a client that does not read (4100) while another subscriber gets every event', async () => {
    const stalled = await raw('firehose');
    const stalledSocket = (stalled.ws as unknown as { _socket: Socket })._socket;
    stalledSocket.pause();
    const normal = pusherClient(server);
    clients.push(normal);
    await subscribed(normal, 'firehose');
    let received = 0;
    normal.channel('firehose').bind('chunk', () => (received += 1));
    const done = new Promise<void>((resolve) => normal.channel('firehose').bind('chunk', (data: { n: number }) => data.n === 999 && resolve()));
    const pad = 'x'.repeat(20_000);
    for (let n = 0; n < 1000; n += 1) {
      await publish('firehose', 'chunk', JSON.stringify({ n, pad }));
      // The reading client lives in this process: it reads between publishes, as it would between requests.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await done;
    expect(received).to.equal(1000);
    expect(log.some((line) => line.includes('slow consumer cut off') && line.includes('pusher-websocket'))).to.equal(true);
    stalledSocket.resume();
    const closed = await stalled.whenClosed();
    // It reads what the kernel still held, then the close if it came before the grace period ran out, else the cut.
    expect(closed.code).to.be.oneOf([PUSHER_CLOSES.SLOW_CONSUMER.code, 1006]);
    expect(stalled.frames.filter((frame) => frame.event === 'chunk').length).to.be.below(1000);
  });

  it('cuts off an xhr_streaming fallback client that stops reading, while another subscriber gets every event', async () => {
    const base = `/pusher/app/${PUSHER_APP.key}/123/stream${Date.now()}`;
    const stream = await openStream(server.url, `${base}/xhr_streaming?protocol=7&client=js&version=8.4.0`);
    await stream.seen('connection_established');
    const subscribe = JSON.stringify([JSON.stringify({ event: 'pusher:subscribe', data: { channel: 'stream' } })]);
    expect((await rawRequest(`${server.url}${base}/xhr_send`, { body: subscribe, headers: { 'content-type': 'text/plain' } })).status).to.equal(204);
    await stream.seen('subscription_succeeded');
    stream.socket.pause();
    const normal = pusherClient(server);
    clients.push(normal);
    await subscribed(normal, 'stream');
    const done = new Promise<void>((resolve) => normal.channel('stream').bind('chunk', (data: { n: number }) => data.n === 299 && resolve()));
    const pad = 'z'.repeat(20_000);
    for (let n = 0; n < 300; n += 1) {
      await publish('stream', 'chunk', JSON.stringify({ n, pad }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await done;
    expect(log.some((line) => line.includes('slow consumer cut off') && line.includes('pusher-xhr-streaming'))).to.equal(true);
    stream.socket.destroy();
  });
});
