import { expect } from 'chai';
import { pusherClient, PUSHER_APP, type Pusher } from '../helpers/pusher.js';
import { signedIn, watchlistSeen } from '../helpers/pusher-watchlist.js';
import { NodeProcess, testRedisAdapter, TEST_NODE_TIMEOUT as NODE_TIMEOUT } from '../helpers/node-process.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { requireService } from '../helpers/services.js';


describe('Pusher endpoint: watchlists across two nodes on Redis (real processes)', function () {
  this.timeout(30_000);
  let redis: RedisServer;
  let nodes: NodeProcess[] = [];
  const clients: Pusher[] = [];

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
    const config = {
      port: 0,
      host: '127.0.0.1',
      secretKey: 'pusher-watchlist-cluster-secret',
      logLevel: 'warn',
      apps: [{ ...PUSHER_APP, enableWatchlistEvents: true }],
      adapter: testRedisAdapter(redis.url, `pusher-watchlist-${process.pid}:`),
    };
    nodes = await Promise.all(['node-0', 'node-1'].map((name) => NodeProcess.start(name, config)));
  });

  after(async () => {
    for (const client of clients) client.disconnect();
    await Promise.all(nodes.filter((node) => node.alive).map((node) => node.kill('SIGTERM')));
    await redis?.destroy();
  });

  it("tells a watcher on one node of a user signing in on the other, and of that user's node dying", async () => {
    const a = pusherClient(nodes[0]!, { userData: { id: 'a', watchlist: ['u2'] } });
    clients.push(a);
    const atA = watchlistSeen(a);
    await signedIn(a, 'a');

    const u2 = pusherClient(nodes[1]!, { userData: { id: 'u2' } });
    clients.push(u2);
    await signedIn(u2, 'u2');
    await atA.until(1);
    expect(atA.events).to.deep.equal([{ name: 'online', user_ids: ['u2'] }]);

    // A later sign-in on node-0 learns at once that u2, on node-1, is online.
    const b = pusherClient(nodes[0]!, { userData: { id: 'b', watchlist: ['u2', 'a'] } });
    clients.push(b);
    const atB = watchlistSeen(b);
    await signedIn(b, 'b');
    await atB.until(1);
    expect(atB.events).to.have.length(1);
    expect(atB.events[0]!.name).to.equal('online');
    expect([...atB.events[0]!.user_ids].sort()).to.deep.equal(['a', 'u2']);

    const killedAt = Date.now();
    expect((await nodes[1]!.kill('SIGKILL')).signal).to.equal('SIGKILL');
    // The dead node's members are purged after adapter.nodeTimeout (plus a heartbeat or two).
    await atA.until(2, NODE_TIMEOUT + 3000);
    expect(Date.now() - killedAt).to.be.below(NODE_TIMEOUT + 3000);
    expect(atA.events).to.deep.equal([
      { name: 'online', user_ids: ['u2'] },
      { name: 'offline', user_ids: ['u2'] },
    ]);
    await atB.until(2);
    expect(atB.events[1]).to.deep.equal({ name: 'offline', user_ids: ['u2'] });
  });
});
