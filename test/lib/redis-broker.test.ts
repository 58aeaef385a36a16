import { expect } from 'chai';
import { RedisBroker } from '../../lib/broker/redis-broker.js';
import { PushyError } from '../../lib/errors.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { recordLogs, RedisConnections } from '../helpers/redis-node.js';
import { requireService } from '../helpers/services.js';
import { RawJson } from '../../lib/raw-json.js';
import { describeBrokerContract } from './broker-contract.js';

describe('RedisBroker', () => {
  let redis: RedisServer;
  const connections = new RedisConnections(() => redis.url);

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

  describeBrokerContract('redis', {
    multiNode: true,
    createNode: async () => new RedisBroker({ connection: await connections.connect(), logger: recordLogs().logger }),
    outage: { begin: () => redis.stop(), end: () => redis.start() },
  });

  describe('when Redis goes away', () => {
    it('publish delivers locally and fails fast with UNAVAILABLE, the outage is logged, and channels are resubscribed when Redis is back', async () => {
      const log = recordLogs();
      const connection = await connections.connect(log.logger);
      const broker = new RedisBroker({ connection, logger: log.logger });
      const received: string[] = [];
      broker.onMessage((m) => received.push(m.type === 'subscription-count' ? m.type : m.event));
      await broker.subscribe('outage-kept');
      await broker.subscribe('outage-dropped');

      await redis.stop();
      await log.waitFor(/WARN redis connection lost/);
      const error = await broker.publish({ type: 'event', channel: 'outage-kept', event: 'lost', data: {} }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(PushyError);
      expect((error as PushyError).errorName).to.equal('UNAVAILABLE');
      expect((error as PushyError).message).to.match(/only this node's subscribers/);
      // This node's subscribers still got it.
      expect(received).to.deep.equal(['lost']);
      // Changes while Redis is away are remembered, not thrown.
      await broker.unsubscribe('outage-dropped');
      await broker.subscribe('outage-new');

      await redis.start();
      expect(await connection.waitUntilReady(10000)).to.equal(true);
      expect(log.lines.some((l) => l.includes('WARN redis connection lost'))).to.equal(true);
      expect(log.lines.some((l) => l.includes('redis connection restored'))).to.equal(true);

      // Resubscribing happens after 'ready'; the broker logs when Redis acknowledged it.
      await log.waitFor(/redis broker: subscribed to channels.*"channels":2/);
      const channels = (await connection.commands.pubsub('CHANNELS', connection.key('ch', 'outage-*'))) as string[];
      expect(channels.sort()).to.deep.equal([connection.key('ch', 'outage-kept'), connection.key('ch', 'outage-new')]);
      expect(await broker.publish({ type: 'event', channel: 'outage-kept', event: 'back', data: {} })).to.equal(1);
      expect(await broker.publish({ type: 'event', channel: 'outage-dropped', event: 'dropped', data: {} })).to.equal(0);
      await broker.close();
      expect(received.filter((event) => event === 'lost')).to.have.length(1);
    });

    it('writes raw data so that a node of the previous version reads it as the JSON it is', async () => {
      const connection = await connections.connect();
      const broker = new RedisBroker({ connection, logger: recordLogs().logger });
      await connection.subscriber.subscribe(connection.key('ch', 'mixed'));
      const payload = new Promise<string>((resolve) => connection.subscriber.once('message', (_channel: string, text: string) => resolve(text)));
      await broker.publish({ type: 'event', channel: 'mixed', event: 'e', data: new RawJson('{"n": 1.50}'), offset: 7, epoch: 'ep' });
      // What the previous version's schema takes: every field, data as its parsed value.
      expect(JSON.parse(await payload)).to.deep.include({ type: 'event', channel: 'mixed', event: 'e', data: { n: 1.5 }, offset: 7, epoch: 'ep' });
      await broker.close();
    });

    it('drops malformed messages that someone else published on its channels, and keeps running', async () => {
      const log = recordLogs();
      const connection = await connections.connect(log.logger);
      const broker = new RedisBroker({ connection, logger: log.logger });
      const received: string[] = [];
      const good = new Promise<void>((resolve) =>
        broker.onMessage((m) => {
          if (m.type === 'subscription-count') return;
          received.push(m.event);
          if (m.event === 'good') resolve();
        }),
      );
      await broker.subscribe('garbage');
      const channel = connection.key('ch', 'garbage');
      await connection.commands.publish(channel, 'not json');
      await connection.commands.publish(channel, JSON.stringify({ type: 'event', channel: 'other', event: 'x', data: 1 }));
      // Flagged raw, but its data is not where (nor what) a raw message's is.
      await connection.commands.publish(channel, '{"type":"event","channel":"garbage","event":"x","raw":true,"data":{"a":1},"offset":1}');
      await broker.publish({ type: 'event', channel: 'garbage', event: 'good', data: 1 });
      await good;
      expect(received).to.deep.equal(['good']);
      expect(log.lines.filter((l) => l.includes('dropped a'))).to.have.length(3);
      await broker.close();
    });
  });
});
