import { expect } from 'chai';
import fc from 'fast-check';
import { pusherApps, PUSHER_APP } from '../helpers/pusher.js';
import { RawPusherClient } from '../helpers/pusher-raw.js';
import { startServer, type TestServer } from '../helpers/server.js';

const RUNS = 800;

/** Pusher-shaped frames with hostile parts: every client event name, odd channels and data. */
const frameArb = fc.oneof(
  fc.string(),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc
    .record({
      event: fc.oneof(fc.constantFrom('pusher:subscribe', 'pusher:unsubscribe', 'pusher:signin', 'pusher:ping', 'pusher:pong', 'client-x'), fc.string()),
      channel: fc.option(fc.oneof(fc.constantFrom('private-a', 'presence-a', '#server-to-user-x', 'cache-a', 'private-encrypted-a'), fc.string()), { nil: undefined }),
      data: fc.oneof(
        fc.jsonValue(),
        fc.record({
          channel: fc.oneof(fc.constantFrom('a', 'private-a', 'presence-a', '#server-to-user-', 'cache-x', ''), fc.string({ maxLength: 300 })),
          auth: fc.option(fc.oneof(fc.string(), fc.constant(`${PUSHER_APP.key}:${'0'.repeat(64)}`)), { nil: undefined }),
          channel_data: fc.option(fc.oneof(fc.string(), fc.jsonValue().map((value) => JSON.stringify(value))), { nil: undefined }),
          user_data: fc.option(fc.string(), { nil: undefined }),
        }),
      ),
    })
    .map((frame) => JSON.stringify(frame)),
);

describe('Pusher endpoint: hostile input', function () {
  this.timeout(120_000);
  let server: TestServer;

  before(async () => {
    server = await startServer(pusherApps({ enableClientEvents: true }) as never);
  });
  after(() => server.close());

  it('answers random frames without crashing; the connection and the server keep serving', async () => {
    let { client } = await RawPusherClient.connect(server.url, PUSHER_APP.key);
    let closes = 0;
    await fc.assert(
      fc.asyncProperty(frameArb, async (text) => {
        if (client.closeEvent) {
          // Only a refused signin ends a connection: 4009, as Pusher does.
          expect(client.closeEvent.code).to.equal(4009);
          closes += 1;
          ({ client } = await RawPusherClient.connect(server.url, PUSHER_APP.key));
        }
        client.send(text);
        // A ping after each frame: its pong proves the frame was handled and the session lives.
        client.send({ event: 'pusher:ping', data: {} });
        await Promise.race([client.next('pusher:pong'), client.whenClosed()]);
      }),
      { numRuns: RUNS },
    );
    expect(closes).to.be.below(RUNS);
    client.close();
    const { client: fresh } = await RawPusherClient.connect(server.url, PUSHER_APP.key);
    fresh.send({ event: 'pusher:subscribe', data: { channel: 'after-fuzz' } });
    await fresh.next('pusher_internal:subscription_succeeded', 'after-fuzz');
    fresh.close();
  });

  it('closes a socket whose message is over the payload bound, and the server survives', async () => {
    const { client } = await RawPusherClient.connect(server.url, PUSHER_APP.key);
    client.send(JSON.stringify({ event: 'client-x', channel: 'private-a', data: 'x'.repeat(1024 * 1024) }));
    expect((await client.whenClosed()).code).to.equal(1009);
    const { client: fresh } = await RawPusherClient.connect(server.url, PUSHER_APP.key);
    fresh.close();
  });
});
