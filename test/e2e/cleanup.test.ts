import { expect } from 'chai';
import { signChannel } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';

describe('e2e: nothing is left behind', function () {
  this.timeout(120_000);
  let srv: TestServer;
  before(async () => {
    // The cycles are sent as fast as the socket takes them: lift the per-connection rate limits.
    srv = await startServer({ limits: { framesPerSecond: 1_000_000, frameBurst: 1_000_000, maxQueuedFrames: 5000 } });
  });
  after(async () => {
    await srv.close();
  });

  const listenerCounts = (): number[] => {
    const http = srv.server.httpServer;
    return [http.listenerCount('request'), http.listenerCount('upgrade'), srv.server.sockjs.server.listenerCount('connection')];
  };
  const expectEmpty = (): void => {
    expect(srv.server.channels.stats()).to.deep.equal({ channels: 0, subscriptions: 0, members: 0, byKind: { public: 0, private: 0, presence: 0 } });
    expect(srv.server.sockjs.connections.size).to.equal(0);
  };

  it('1,000 subscribe/unsubscribe cycles leave no channels, members or listeners', async () => {
    const listenersBefore = listenerCounts();
    const client = await TestClient.connect(srv.url, 'websocket');
    const connection = [...srv.server.sockjs.connections][0]!;
    const closeListenersBefore = connection.closeListenerCount;
    for (let i = 0; i < 1000; i++) {
      const channel = i % 2 === 0 ? `public-${i % 7}` : `presence-${i % 5}`;
      const extra: Record<string, unknown> = {};
      if (channel.startsWith('presence-')) {
        extra.data = JSON.stringify({ id: `u${i % 3}` });
        extra.auth = signChannel({ socketId: client.socketId, channel, presenceData: extra.data as string, secretKey: srv.secret });
      }
      client.command('subscribe', { channel, ...extra });
      client.command('unsubscribe', { channel });
    }
    await client.nextAny(() => client.events('pushy:subscription-end').length === 1000, 0, 60_000);
    expect(client.events('pushy:subscription-success')).to.have.length(1000);
    expect(client.events('pushy:error')).to.have.length(0);
    expect(srv.server.channels.stats().channels).to.equal(0);
    expect(srv.server.channels.stats().members).to.equal(0);
    expect(connection.subscriptions.size).to.equal(0);
    expect(connection.closeListenerCount).to.equal(closeListenersBefore);
    await client.close();
    await waitUntil(() => srv.server.sockjs.connections.size === 0, 10_000, 'connection cleanup');
    expectEmpty();
    expect(listenerCounts()).to.deep.equal(listenersBefore);
  });

  it('1,000 connect/subscribe/close cycles leave no connections, channels or members', async () => {
    const listenersBefore = listenerCounts();
    const batch = 20;
    for (let i = 0; i < 1000; i += batch) {
      const clients = await Promise.all(
        Array.from({ length: batch }, (_, j) => TestClient.connect(srv.url, (i + j) % 10 === 0 ? 'xhr-streaming' : 'websocket')),
      );
      await Promise.all(
        clients.map((client, j) => {
          const channel = 'presence-crowd';
          const data = JSON.stringify({ id: `user-${(i + j) % 50}` });
          const auth = signChannel({ socketId: client.socketId, channel, presenceData: data, secretKey: srv.secret });
          return Promise.all([client.subscribe(channel, { auth, data }), client.subscribe(`room-${j}`)]);
        }),
      );
      await Promise.all(clients.map((client) => client.close()));
    }
    await waitUntil(() => srv.server.sockjs.connections.size === 0, 30_000, 'every connection to be cleaned up');
    expectEmpty();
    expect(listenerCounts()).to.deep.equal(listenersBefore);
  });
});
