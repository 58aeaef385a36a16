import { expect } from 'chai';
import { Redis } from 'ioredis';
import { decodeFeedEvent, type FeedEvent } from '../../lib/feed/feed-event.js';
import { eventsUrlV3, signChannelV3 } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { startRedisNode, type RedisTestNode } from '../helpers/redis-node.js';
import { requireService } from '../helpers/services.js';
import { post, trigger, triggerV3 } from '../helpers/trigger.js';

describe('e2e: events feed on Redis (feed.enabled)', function () {
  this.timeout(30_000);
  let redis: RedisServer;
  let nodes: RedisTestNode[] = [];
  let subscriber: Redis;
  const received: string[] = [];
  let waiters: Array<() => void> = [];

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
    subscriber = new Redis(redis.url);
    subscriber.on('message', (channel: string, text: string) => {
      if (channel !== 'feed-test') return;
      received.push(text);
      for (const wake of waiters.splice(0)) wake();
    });
    await subscriber.subscribe('feed-test');
    const options = { feed: { enabled: true, channel: 'feed-test' }, adapter: { keyPrefix: `pushy-feed-${process.pid}:` } };
    nodes = [await startRedisNode(redis.url, options), await startRedisNode(redis.url, options)];
  });
  after(async () => {
    await Promise.all(nodes.map((node) => node.close()));
    subscriber?.disconnect();
    await redis?.stop();
  });

  /** Waits until the feed has carried `count` messages in all. */
  async function feedHas(count: number): Promise<FeedEvent[]> {
    while (received.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    return received.map((text) => decodeFeedEvent(text)!);
  }

  it('carries every published event once, as the documented JSON, whichever node published it', async () => {
    const [a, b] = nodes as [RedisTestNode, RedisTestNode];
    const client = await TestClient.connect(b.url);
    await client.subscribe('orders.17');
    expect((await trigger(a.url, 'orders.17', 'created', { id: 17 }, { secret: a.secret })).status).to.equal(201);
    await client.next('created');
    const body = JSON.stringify({ name: 'price', channels: ['shop-1', 'shop-2'], data: 1 });
    expect((await post(eventsUrlV3({ baseUrl: b.url, route: 'events', body, secretKey: b.secret }), body)).status).to.equal(200);
    const events = await feedHas(3);
    expect(received[0]).to.equal('{"app":"default","channel":"orders.17","event":"created","data":{"id":17},"offset":1}');
    expect(events.map((e) => [e.channel, e.event, e.offset]).sort()).to.deep.equal([
      ['orders.17', 'created', 1],
      ['shop-1', 'price', 1],
      ['shop-2', 'price', 1],
    ]);
    await client.close();
  });

  it('keeps the data as signed (digits a re-encoding would lose) and leaves presence changes out', async () => {
    const [a] = nodes as [RedisTestNode];
    const before = received.length;
    const watcher = await TestClient.connect(a.url);
    const socketId = watcher.frames.find((f) => f.event === 'pushy:connect')!.data.socketId as string;
    const presenceData = '{"id":"w"}';
    await watcher.subscribe('presence-p', { auth: signChannelV3({ socketId, channel: 'presence-p', presenceData, secretKey: a.secret }), data: presenceData });
    await triggerV3(a.url, 'big', 'n', undefined, { secret: a.secret, body: '{"n":12345678901234567890}' });
    const events = await feedHas(before + 1);
    // The join was announced before the trigger: had it been fed, it would be this message.
    expect(received[before]).to.equal('{"app":"default","channel":"big","event":"n","data":{"n":12345678901234567890},"offset":1}');
    expect(events.every((e) => !e.event.startsWith('pushy:'))).to.equal(true);
    await watcher.close();
  });
});
