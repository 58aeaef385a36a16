import { expect } from 'chai';
import { Pushy, type Channel } from 'pushy-server/client';
import { NODE_TRANSPORTS } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

/** Resolves with the data of the next `event` on `target`. */
function next(target: Pushy | Channel, event: string, timeoutMs = 8000): Promise<any> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.unbind(event, listener);
      reject(new Error(`timed out waiting for ${event}`));
    }, timeoutMs);
    const listener = (data: unknown): void => {
      clearTimeout(timer);
      target.unbind(event, listener);
      resolve(data);
    };
    target.bind(event, listener);
  });
}

describe('e2e: the ES module client (pushy-server/client) in Node over real sockets', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.close();
  });

  for (const transport of NODE_TRANSPORTS) {
    it(`subscribes, receives, unsubscribes over ${transport}`, async () => {
      const pushy = new Pushy(srv.url, { transports: [transport] });
      try {
        const connected = await next(pushy, 'connect');
        expect(connected.protocol).to.equal(transport);
        const channel = pushy.channel(`Node-${transport}`);
        const subscribed = next(channel, 'pushy:subscription-success');
        channel.subscribe();
        await subscribed;
        const story = next(channel, 'story');
        expect((await trigger(srv.url, channel.name, 'story', { n: 1 }, { secret: srv.secret })).status).to.equal(201);
        expect(await story).to.deep.equal({ n: 1 });
        const ended = next(channel, 'pushy:subscription-end');
        channel.unsubscribe();
        await ended;
        expect(channel.state).to.equal('unsubscribed');
        expect((await trigger(srv.url, channel.name, 'story', { n: 2 }, { secret: srv.secret })).status).to.equal(200);
      } finally {
        pushy.disconnect();
      }
    });
  }

  it('a signature the server refuses gives one subscription-error and no retry', async () => {
    const pushy = new Pushy(srv.url, {
      transports: ['websocket'],
      authEndpoint: 'http://unused.invalid/auth',
      // An app endpoint that signs nothing valid: the server refuses the signature.
      fetch: (async () => new Response(JSON.stringify({ auth: 'not-a-signature' }), { status: 200 })) as typeof fetch,
    });
    try {
      const channel = pushy.channel('private-node');
      const errors: unknown[] = [];
      channel.bind('subscription-error', (error: unknown) => errors.push(error));
      const failed = next(channel, 'subscription-error');
      channel.subscribe();
      expect(await failed).to.deep.equal({ channel: 'private-node', reason: 'Invalid credentials' });
      // Barrier: a command answered after the refusal proves no further subscribe went out.
      // (The server never subscribed this socket, so it refuses: 403 or 404.)
      const result = await pushy.exec('unsubscribe', { channel: 'private-node' }).catch((error: { code: string }) => error.code);
      expect(result).to.be.oneOf(['403', '404']);
      expect(errors).to.have.length(1);
    } finally {
      pushy.disconnect();
    }
  });
});
