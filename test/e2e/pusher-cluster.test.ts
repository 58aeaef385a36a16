import { expect } from 'chai';
import { nextEvent, pusherClient, subscribed, PUSHER_APP, type Pusher } from '../helpers/pusher.js';
import { NodeProcess } from '../helpers/node-process.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { requireService } from '../helpers/services.js';

const HEARTBEAT_INTERVAL = 200;
const NODE_TIMEOUT = 1500;

describe('Pusher endpoint: two nodes on Redis (real processes)', function () {
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
      secretKey: 'pusher-cluster-secret',
      logLevel: 'warn',
      apps: [{ ...PUSHER_APP, enableClientEvents: true }],
      adapter: {
        type: 'redis',
        url: redis.url,
        keyPrefix: `pusher-cluster-${process.pid}:`,
        commandTimeout: 1000,
        maxReconnectDelay: 200,
        heartbeatInterval: HEARTBEAT_INTERVAL,
        nodeTimeout: NODE_TIMEOUT,
      },
    };
    nodes = await Promise.all(['node-0', 'node-1'].map((name) => NodeProcess.start(name, config)));
  });

  after(async () => {
    for (const client of clients) client.disconnect();
    await Promise.all(nodes.filter((node) => node.alive).map((node) => node.kill('SIGTERM')));
    await redis?.destroy();
  });

  it('agrees on presence across nodes, carries client events between them, and removes a SIGKILLed node\'s members', async () => {
    const a = pusherClient(nodes[0]!, { user: { user_id: 'a', user_info: { at: 0 } } });
    clients.push(a);
    await subscribed(a, 'presence-cluster');
    const added = nextEvent(a, 'presence-cluster', 'pusher:member_added');
    const b = pusherClient(nodes[1]!, { user: { user_id: 'b', user_info: { at: 1 } } });
    clients.push(b);
    const atB = (await subscribed(b, 'presence-cluster')) as { count: number; members: Record<string, unknown> };
    expect(atB.count).to.equal(2);
    expect(atB.members).to.deep.equal({ a: { at: 0 }, b: { at: 1 } });
    expect((await added).data).to.deep.equal({ id: 'b', info: { at: 1 } });

    const whisper = nextEvent(a, 'presence-cluster', 'client-hello');
    b.channel('presence-cluster').trigger('client-hello', { from: 'b' });
    const got = await whisper;
    expect(got.data).to.deep.equal({ from: 'b' });
    expect(got.metadata).to.deep.equal({ user_id: 'b' });

    const removed = nextEvent(a, 'presence-cluster', 'pusher:member_removed');
    expect((await nodes[1]!.kill('SIGKILL')).signal).to.equal('SIGKILL');
    expect((await removed).data).to.deep.equal({ id: 'b', info: { at: 1 } });
    expect(a.channel('presence-cluster')).to.have.nested.property('members.count', 1);
  });
});
