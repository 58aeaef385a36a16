import { expect } from 'chai';
import SockJS from 'sockjs-client';
import { Pushy, type Channel, type ResubscribedInfo, type SocketLike } from 'pushy-server/client';
import { createLogger } from '../../lib/logger.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

/**
 * Sockets for the client that the test can take off the network: while offline, every new
 * socket fails at once, as with no route to the server, and the client keeps retrying.
 */
function switchableNetwork(transport: string): { factory: (url: string) => SocketLike; online: boolean } {
  const network = {
    online: true,
    factory: (url: string): SocketLike => {
      if (network.online) return new SockJS(url, undefined, { transports: [transport] }) as unknown as SocketLike;
      const dead: SocketLike = { onmessage: null, onclose: null, send: () => undefined, close: () => undefined };
      setImmediate(() => dead.onclose?.({ code: 1006, reason: 'offline' }));
      return dead;
    },
  };
  return network;
}

/** Resolves with the data of the next `event` on `target`. */
function next<T>(target: Pushy | Channel, event: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.unbind(event, listener);
      reject(new Error(`timed out waiting for ${event}`));
    }, timeoutMs);
    const listener = (data: unknown): void => {
      clearTimeout(timer);
      target.unbind(event, listener);
      resolve(data as T);
    };
    target.bind(event, listener);
  });
}

describe('e2e: a client that missed more than its buffer holds', function () {
  this.timeout(30_000);
  let srv: TestServer;
  const log: string[] = [];
  before(async () => {
    srv = await startServer({ limits: { maxBufferedBytes: 1024 * 1024 }, history: { size: 100, ttl: 300 }, sockjs: { disconnectDelay: 500 } }, { logger: createLogger('warn', (line) => log.push(line)) });
  });
  after(() => srv.close());

  for (const transport of ['websocket', 'xhr-streaming']) {
    it(`is told recovered: false once, instead of being cut off during the replay and coming back forever (${transport})`, async () => {
      const network = switchableNetwork(transport);
      const pushy = new Pushy(srv.url, { socketFactory: network.factory, reconnect: { minDelay: 20, maxDelay: 50 } });
      const channel = `big-feed-${transport}`;
      let connects = 0;
      pushy.bind('connect', () => (connects += 1));
      try {
        const feed = pushy.channel(channel);
        const subscribed = next(feed, 'pushy:subscription-success');
        feed.subscribe();
        await subscribed;
        const first = next<{ n: number }>(feed, 'chunk');
        await trigger(srv.url, channel, 'chunk', { n: 0 }, { secret: srv.secret });
        expect(await first).to.deep.equal({ n: 0 });

        network.online = false;
        const away = next(pushy, 'disconnect');
        await srv.server.sockjs.closeAll(1001, 'Dropped by test');
        await away;
        // 20 events of 90 kB: 1.8 MB missed, the buffer bound is 1 MB.
        const pad = 'x'.repeat(90_000);
        for (let n = 1; n <= 20; n += 1) {
          expect((await trigger(srv.url, channel, 'chunk', { n, pad }, { secret: srv.secret })).status).to.equal(200);
        }

        const resubscribed = next<ResubscribedInfo>(feed, 'pushy:resubscribed');
        network.online = true;
        expect(await resubscribed).to.deep.equal({ channel, recovered: false });
        const live = next<{ n: number }>(feed, 'chunk');
        expect((await trigger(srv.url, channel, 'chunk', { n: 'live' }, { secret: srv.secret })).status).to.equal(201);
        expect(await live).to.deep.equal({ n: 'live' });
        expect(feed.position?.offset).to.equal(22);
        expect(connects, 'one reconnection, no loop').to.equal(2);
        expect(log.filter((line) => line.includes('slow consumer'))).to.deep.equal([]);
      } finally {
        pushy.disconnect();
      }
    });
  }

  it('still replays a backlog that fits', async () => {
    const network = switchableNetwork('websocket');
    const pushy = new Pushy(srv.url, { socketFactory: network.factory, reconnect: { minDelay: 20, maxDelay: 50 } });
    try {
      const feed = pushy.channel('fitting-feed');
      const subscribed = next(feed, 'pushy:subscription-success');
      feed.subscribe();
      await subscribed;
      network.online = false;
      const away = next(pushy, 'disconnect');
      await srv.server.sockjs.closeAll(1001, 'Dropped by test');
      await away;
      const pad = 'x'.repeat(90_000);
      for (let n = 1; n <= 8; n += 1) await trigger(srv.url, 'fitting-feed', 'chunk', { n, pad }, { secret: srv.secret });
      const received: number[] = [];
      feed.bind('chunk', (data: { n: number }) => received.push(data.n));
      const resubscribed = next<ResubscribedInfo>(feed, 'pushy:resubscribed');
      const last = new Promise<void>((resolve) => feed.bind('chunk', (data: { n: number }) => data.n === 8 && resolve()));
      network.online = true;
      expect(await resubscribed).to.deep.equal({ channel: 'fitting-feed', recovered: true });
      await last;
      expect(received).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
    } finally {
      pushy.disconnect();
    }
  });
});
