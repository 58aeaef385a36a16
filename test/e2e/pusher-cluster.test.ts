import { expect } from 'chai';
import { TestClient } from '../helpers/client.js';
import { countsSeen, nextEvent, pusherClient, subscribed, COUNT_WITHIN_MS, PUSHER_APP, type Pusher } from '../helpers/pusher.js';
import { NodeProcess, testRedisAdapter, TEST_HEARTBEAT_INTERVAL as HEARTBEAT_INTERVAL, TEST_NODE_TIMEOUT as NODE_TIMEOUT } from '../helpers/node-process.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { requireService } from '../helpers/services.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';


describe('Pusher endpoint: two nodes on Redis (real processes)', function () {
  this.timeout(30_000);
  let redis: RedisServer;
  let nodes: NodeProcess[] = [];
  let receiver: WebhookReceiver;
  let config: Record<string, unknown>;
  const clients: Pusher[] = [];

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
    receiver = await WebhookReceiver.start();
    config = {
      port: 0,
      host: '127.0.0.1',
      secretKey: 'pusher-cluster-secret',
      logLevel: 'warn',
      apps: [{ ...PUSHER_APP, enableClientEvents: true, enableSubscriptionCount: true, webhooks: [{ url: receiver.url(), events: ['subscription_count'] }] }],
      adapter: testRedisAdapter(redis.url, `pusher-cluster-${process.pid}:`),
    };
    nodes = await Promise.all(['node-0', 'node-1'].map((name) => NodeProcess.start(name, config)));
  });

  after(async () => {
    for (const client of clients) client.disconnect();
    await Promise.all(nodes.filter((node) => node.alive).map((node) => node.kill('SIGTERM')));
    await redis?.destroy();
    await receiver?.close();
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

  it("sends every Pusher subscriber on every node the cluster's subscription_count (native subscribers counted, never told), in the webhook too, and drops a SIGKILLed node's", async () => {
    // The presence test above killed node-1: this one brings a node of its own to kill.
    const other = await NodeProcess.start('node-2', config);
    nodes.push(other);
    const a = pusherClient(nodes[0]!);
    clients.push(a);
    const atA = countsSeen(a, 'counted');
    await subscribed(a, 'counted');
    await atA.until(1);
    const b = pusherClient(other);
    clients.push(b);
    const atB = countsSeen(b, 'counted');
    await subscribed(b, 'counted');
    await Promise.all([atA.until(2), atB.until(2)]);

    const native = await TestClient.connect(other.url, 'websocket', `/pushy/app/${PUSHER_APP.key}/socket`);
    expect((await native.subscribe('counted')).event).to.equal('pushy:subscription-success');
    await Promise.all([atA.until(3), atB.until(3)]);
    await native.close();
    await Promise.all([atA.until(2), atB.until(2)]);
    expect(native.texts.filter((text) => /subscription.count/.test(text))).to.deep.equal([]);

    b.unsubscribe('counted');
    await atA.until(1);
    // One webhook per change, each with the cluster's total at that change (a node's own count never reached 3).
    await receiver.waitFor(() => receiver.delivered().some((event) => event.channel === 'counted' && event.subscription_count === 3), 5000, 'subscription_count 3');
    expect(receiver.delivered().filter((event) => event.channel === 'counted').every((event) => event.name === 'subscription_count')).to.equal(true);

    const c = pusherClient(other);
    clients.push(c);
    await subscribed(c, 'counted');
    await atA.until(2);
    expect((await other.kill('SIGKILL')).signal).to.equal('SIGKILL');
    // Dead once its deadline passes (nodeTimeout after its last heartbeat), then dropped on a living node's next beat.
    await atA.until(1, NODE_TIMEOUT + 4 * HEARTBEAT_INTERVAL + COUNT_WITHIN_MS);
  });
});
