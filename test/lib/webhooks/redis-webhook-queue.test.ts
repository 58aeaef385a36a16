import { expect } from 'chai';
import { PushyError } from '../../../lib/errors.js';
import { DropReporter } from '../../../lib/webhooks/drop-reporter.js';
import { RedisWebhookQueue } from '../../../lib/webhooks/redis-webhook-queue.js';
import { WebhookStats } from '../../../lib/webhooks/webhook-stats.js';
import { RedisServer, REDIS_AVAILABLE } from '../../helpers/redis.js';
import { recordLogs, RedisConnections } from '../../helpers/redis-node.js';
import { requireService } from '../../helpers/services.js';
import { describeWebhookQueueContract } from './webhook-queue-contract.js';

describe('RedisWebhookQueue', () => {
  let redis: RedisServer;
  let opened: RedisConnections[] = [];
  let suite = 0;
  /** Connections under a key prefix of their own, so that every test starts from an empty queue. */
  const freshConnections = (): RedisConnections => {
    suite += 1;
    const connections = new RedisConnections(() => redis.url, `pushy-test-${process.pid}-${suite}:`);
    opened.push(connections);
    return connections;
  };

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
  });
  after(async () => {
    await redis?.destroy();
  });
  const closeAll = async (): Promise<void> => {
    await Promise.all(opened.map((connections) => connections.closeAll()));
    opened = [];
  };

  describeWebhookQueueContract('redis', {
    async open(options) {
      const connection = await freshConnections().connect();
      return (consumer) => new RedisWebhookQueue({ connection, consumer, ...options });
    },
    cleanup: closeAll,
  });

  describe('beyond the contract', () => {
    afterEach(closeAll);

    it('drops, counts and logs items that are not webhook entries, and goes on with the rest', async () => {
      const log = recordLogs();
      const connection = await freshConnections().connect();
      const stats = new WebhookStats();
      const queue = new RedisWebhookQueue({ connection, consumer: 'a', maxWaiting: 100, claimAfter: 1000, drops: new DropReporter(stats, log.logger) });
      const list = connection.key('webhooks', 'queue');
      await connection.commands.rpush(list, 'garbage', '7:{"not":"an entry"}', '8:not json');
      const good = { appId: 'app1', webhook: 0, url: 'http://127.0.0.1:9/', event: { name: 'cache_miss' as const, channel: 'cache-a' }, queuedAt: 1 };
      await queue.push([good]);
      const taken = await queue.take(10);
      expect(taken.map((queued) => queued.entry)).to.deep.equal([good]);
      expect(stats.total.dropped.malformed).to.equal(3);
      await log.waitFor(/WARN webhook events dropped \(malformed\) \{"events":1,"where":"shared queue","droppedSinceLastLine":0\}/);
      // Nothing unreadable stays held (it would come back to another node forever).
      expect(await connection.commands.hkeys(connection.key('webhooks', 'held', 'a'))).to.deep.equal([taken[0]!.id]);
    });

    it('fails fast with UNAVAILABLE while Redis is away, and works again when it is back', async () => {
      const connection = await freshConnections().connect();
      const queue = new RedisWebhookQueue({ connection, consumer: 'a', maxWaiting: 100, claimAfter: 1000, drops: new DropReporter(new WebhookStats(), recordLogs().logger) });
      const good = { appId: 'app1', webhook: 0, url: 'http://127.0.0.1:9/', event: { name: 'cache_miss' as const, channel: 'cache-a' }, queuedAt: 1 };
      await redis.stop();
      try {
        for (const attempt of [() => queue.push([good]), () => queue.take(1), () => queue.touch([])]) {
          const error = await attempt().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).to.be.instanceOf(PushyError);
          expect((error as PushyError).errorName).to.equal('UNAVAILABLE');
        }
      } finally {
        await redis.start();
      }
      expect(await connection.waitUntilReady(10_000)).to.equal(true);
      await queue.push([good]);
      expect((await queue.take(1)).map((queued) => queued.entry)).to.deep.equal([good]);
    });
  });
});
