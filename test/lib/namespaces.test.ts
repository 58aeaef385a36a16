import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { DEFAULT_APP, channelKey, isValidAppId, parseChannelKey } from '../../lib/apps/namespace.js';
import { MemoryBroker } from '../../lib/broker/memory-broker.js';
import { RedisBroker } from '../../lib/broker/redis-broker.js';
import { ChannelManager } from '../../lib/channels/channel-manager.js';
import type { ChannelMessage, FrameEncoder, Subscriber, Subscription } from '../../lib/channels/subscriber.js';
import { MemoryIdempotencyStore } from '../../lib/history/idempotency-store.js';
import { MemoryHistoryStore } from '../../lib/history/memory-history-store.js';
import { RedisHistoryStore } from '../../lib/history/redis-history-store.js';
import { RedisIdempotencyStore } from '../../lib/history/redis-idempotency-store.js';
import { RetentionPolicy } from '../../lib/history/retention.js';
import { silentLogger } from '../../lib/logger.js';
import { MemoryPresenceStore } from '../../lib/presence/presence-store.js';
import { RedisPresenceStore } from '../../lib/presence/redis-presence-store.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { recordLogs, RedisConnections } from '../helpers/redis-node.js';
import { requireService } from '../helpers/services.js';
import { describeNamespaceContract } from './namespace-contract.js';

describe('channel keys', () => {
  it('are the channel name itself for the default app, and carry any other app', () => {
    expect(channelKey(DEFAULT_APP, 'room')).to.equal('room');
    expect(channelKey(undefined, 'room')).to.equal('room');
    expect(channelKey('app-1', 'room')).to.equal('app-1/room');
    expect(parseChannelKey('room')).to.deep.equal({ app: DEFAULT_APP, channel: 'room' });
    expect(parseChannelKey('app-1/presence-a:b')).to.deep.equal({ app: 'app-1', channel: 'presence-a:b' });
  });

  it('refuse app ids that could make two apps\' keys meet', () => {
    for (const bad of ['', 'a/b', '{a}', 'a b', 'x'.repeat(65)]) {
      expect(isValidAppId(bad), bad).to.equal(false);
      expect(() => channelKey(bad, 'room'), bad).to.throw(TypeError);
    }
    expect(isValidAppId('12345')).to.equal(true);
  });
});

describeNamespaceContract('memory', {
  multiNode: false,
  createNode: async () => ({
    broker: new MemoryBroker(),
    presence: new MemoryPresenceStore(),
    history: new MemoryHistoryStore({ maxMemoryBytes: 1_000_000, metaTtl: 3600 }),
    idempotency: new MemoryIdempotencyStore({ maxKeys: 100 }),
  }),
});

describe('app namespaces on Redis', () => {
  let redis: RedisServer;
  const keyPrefix = `namespaces-${process.pid}:`;
  const connections = new RedisConnections(() => redis.url, keyPrefix);

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
  });
  afterEach(async () => {
    await connections.closeAll();
  });
  after(async () => {
    await redis?.destroy();
  });

  const redisNode = async () => {
    const connection = await connections.connect();
    const logger = recordLogs().logger;
    const presence = new RedisPresenceStore({ connection, nodeId: randomUUID(), logger, heartbeatInterval: 1000, nodeTimeout: 60000 });
    presence.start();
    return {
      broker: new RedisBroker({ connection, logger }),
      presence,
      history: new RedisHistoryStore({ connection, logger, metaTtl: 3600 }),
      idempotency: new RedisIdempotencyStore({ connection }),
    };
  };

  describeNamespaceContract('redis', { multiNode: true, createNode: redisNode });

  it('keeps the default app\'s keys and pub/sub channels as they were; other apps carry the app inside the hash tag', async () => {
    const { broker, presence, history, idempotency } = await redisNode();
    const encoder: FrameEncoder<ChannelMessage> = { encode: (m) => m };
    const subscriber = (app: string): Subscriber<ChannelMessage> => ({
      id: randomUUID(),
      app,
      isOpen: true,
      subscriptions: new Map<string, Subscription>(),
      encoder,
      subscribed() {},
      deliver() {},
    });
    const manager = new ChannelManager({ broker, presence, history, retention: new RetentionPolicy([], { size: 10, ttl: 300 }), logger: silentLogger, maxChannelsPerConnection: 10 });
    const raw = await connections.connect();
    const heard: Array<[string, string]> = [];
    let heardBoth!: () => void;
    const both = new Promise<void>((resolve) => (heardBoth = resolve));
    raw.subscriber.on('message', (channel: string, text: string) => {
      if (heard.push([channel, text]) === 2) heardBoth();
    });
    await raw.subscriber.subscribe(`${keyPrefix}ch:keys`, `${keyPrefix}ch:app-a/keys`);

    await manager.subscribe(subscriber(DEFAULT_APP), 'presence-keys', { id: 'ann' });
    await manager.subscribe(subscriber('app-a'), 'presence-keys', { id: 'ann' });
    await manager.publish({ type: 'event', channel: 'keys', event: 'e', data: 1 });
    await manager.publish({ type: 'event', app: 'app-a', channel: 'keys', event: 'e', data: 2 });
    await idempotency.claim(channelKey(DEFAULT_APP, 'keys'), 'k');
    await idempotency.claim(channelKey('app-a', 'keys'), 'k');
    const keys = (await raw.commands.keys(`${keyPrefix}*`)).map((key) => key.slice(keyPrefix.length)).sort();
    expect(keys).to.include.members([
      'history:{keys}:meta',
      'history:{keys}:events',
      'history:{app-a/keys}:meta',
      'history:{app-a/keys}:events',
      'idem:{keys}:k',
      'idem:{app-a/keys}:k',
      'presence:presence-keys:members',
      'presence:app-a/presence-keys:members',
    ]);
    // The default app's message is byte for byte what earlier versions publish (no `app`).
    await both;
    expect(heard.map(([channel]) => channel)).to.deep.equal([`${keyPrefix}ch:keys`, `${keyPrefix}ch:app-a/keys`]);
    expect(JSON.parse(heard[0]![1])).to.deep.equal({ type: 'event', channel: 'keys', event: 'e', data: 1, offset: 1, epoch: JSON.parse(heard[0]![1]).epoch });
    expect(JSON.parse(heard[1]![1])).to.include({ app: 'app-a', channel: 'keys', offset: 1 });
    await presence.close();
    await broker.close();
  });
});
