import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { AppInput } from '../../lib/apps/app.js';
import type { PushyConfig } from '../../lib/config.js';
import { createWebhooks } from '../../lib/webhooks/create-webhooks.js';
import type { WebhookEvent } from '../../lib/webhooks/webhook-event.js';
import type { Webhooks } from '../../lib/webhooks/webhooks.js';
import { PROJECT_ROOT } from '../helpers/process.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { recordLogs, RedisConnections } from '../helpers/redis-node.js';
import { requireService } from '../helpers/services.js';
import { waitUntil } from '../helpers/wait.js';
import type { WebhookNodeSpec } from '../helpers/webhook-node-main.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';
import { appDirectory, credentials, FAST_BACKOFF, pusherAccepts, webhooksConfig } from '../helpers/webhooks.js';

describe('e2e: webhooks shared by several nodes through Redis', function () {
  this.timeout(40_000);
  let redis: RedisServer;
  let receiver: WebhookReceiver;
  let connections: RedisConnections;
  let nodes: Webhooks[] = [];
  let child: ChildProcess | undefined;
  let keyPrefix: string;
  let run = 0;

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
  });
  beforeEach(async () => {
    run += 1;
    keyPrefix = `pushy-webhooks-${process.pid}-${run}:`;
    connections = new RedisConnections(() => redis.url, keyPrefix);
    receiver = await WebhookReceiver.start();
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    child = undefined;
    await Promise.all(nodes.splice(0).map((node) => node.close()));
    await connections.closeAll();
    await receiver.close();
  });
  after(async () => {
    await redis?.destroy();
  });

  const shopApp = (): AppInput => ({ id: '1001', key: 'shop-key', secret: 'shop-secret-1', webhooks: [{ url: receiver.url() }] });

  /** A node in this process on the shared queue. */
  const startNode = async (nodeId: string, claimAfter: number, overrides: Partial<PushyConfig['webhooks']> = {}): Promise<Webhooks> => {
    const node = createWebhooks({
      config: webhooksConfig({ removalDelay: 0, ...overrides }),
      apps: appDirectory([shopApp()]),
      logger: recordLogs().logger,
      redis: { connection: await connections.connect(), nodeId, claimAfter },
      delivery: { pollInterval: 50, backoff: FAST_BACKOFF },
    });
    nodes.push(node);
    return node;
  };

  /** Events answered 2xx, with how many times each came. */
  const deliveredCounts = (): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const event of receiver.delivered()) counts.set(String(event.channel), (counts.get(String(event.channel)) ?? 0) + 1);
    return counts;
  };

  it('several nodes emitting: every event is delivered exactly once, by one node, validly signed', async () => {
    const [a, b, c] = [await startNode('node-a', 5000), await startNode('node-b', 5000), await startNode('node-c', 5000)];
    const expected: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      for (const [name, node] of [['a', a], ['b', b], ['c', c]] as const) {
        node.emit('1001', { name: 'channel_occupied', channel: `${name}-${i}` });
        expected.push(`${name}-${i}`);
      }
    }
    await receiver.waitForEvents(90);
    const counts = deliveredCounts();
    expect([...counts.keys()].sort()).to.deep.equal(expected.sort());
    expect([...counts.values()].every((n) => n === 1), 'no event twice').to.equal(true);
    for (const request of receiver.requests) expect(pusherAccepts(request, credentials(appDirectory([shopApp()]).get('1001')!))).to.equal(true);
    await waitUntil(() => a.stats.total.sent + b.stats.total.sent + c.stats.total.sent === 90, 5000, 'the sent counts');
  });

  it('a node killed with SIGKILL while holding a batch: another node delivers it once the claim time passes, exactly once', async () => {
    // The first request hangs, so the killed node dies with its batch taken and unacknowledged.
    receiver.answer(['hang'], 200);
    const events: WebhookEvent[] = [
      { name: 'channel_vacated', channel: 'left-on-killed-node' },
      { name: 'member_removed', channel: 'presence-room', user_id: 'u1' },
    ];
    const spec: WebhookNodeSpec = {
      redisUrl: redis.url,
      keyPrefix,
      nodeId: 'doomed',
      claimAfter: 1000,
      apps: [shopApp()],
      webhooks: { removalDelay: 0, batchDelay: 0, timeout: 60_000 },
      events: events.map((event) => ({ appId: '1001', event })),
    };
    const node = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/test/helpers/webhook-node-main.js'), JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = node;
    let output = '';
    node.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    node.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await receiver.waitFor((all) => all.length === 1, 15_000, `the doomed node's request; its output: ${output}`);
    expect(receiver.requests[0]!.body!.events).to.deep.equal(events);

    const exited = new Promise((resolve) => node.once('exit', resolve));
    node.kill('SIGKILL');
    await exited;
    child = undefined;

    const survivor = await startNode('survivor', 1000);
    await receiver.waitForEvents(2);
    await waitUntil(() => survivor.stats.app('1001').sent === 2, 5000, 'the survivor to count its delivery');
    expect(receiver.delivered()).to.deep.equal(events);
    // And never again: a later event is the next thing to arrive.
    survivor.emit('1001', { name: 'channel_occupied', channel: 'later' });
    await receiver.waitForEvents(3);
    expect([...deliveredCounts().entries()]).to.deep.equal([
      ['left-on-killed-node', 1],
      ['presence-room', 1],
      ['later', 1],
    ]);
  });

  it('Redis going away and coming back: events emitted meanwhile wait in the node and are delivered once it is back', async () => {
    const log = recordLogs();
    const connection = await connections.connect(log.logger);
    const node = createWebhooks({
      config: webhooksConfig({ removalDelay: 0 }),
      apps: appDirectory([shopApp()]),
      logger: log.logger,
      redis: { connection, nodeId: 'outage', claimAfter: 5000 },
      delivery: { pollInterval: 50, backoff: FAST_BACKOFF },
    });
    nodes.push(node);
    await redis.stop();
    try {
      node.emit('1001', { name: 'channel_occupied', channel: 'during-outage' });
      await log.waitFor(/WARN webhooks: cannot queue events; keeping them and retrying/);
      await log.waitFor(/WARN webhooks: cannot take from the queue; retrying/);
      expect(node.pending.unqueued).to.equal(1);
    } finally {
      await redis.start();
    }
    await receiver.waitForEvents(1, undefined, 15_000);
    expect(receiver.delivered()).to.deep.equal([{ name: 'channel_occupied', channel: 'during-outage' }]);
    await log.waitFor(/INFO webhooks: queueing events again/);
    await log.waitFor(/INFO webhooks: queue reachable again/);
  });

  it('a node shutting down hands back what it holds, waiting removals included, and another node delivers it at once', async () => {
    receiver.answer(['hang'], 200);
    const leaving = await startNode('leaving', 30_000, { removalDelay: 3000, timeout: 60_000, batchDelay: 0 });
    leaving.emit('1001', { name: 'channel_occupied', channel: 'held' });
    await receiver.waitFor((all) => all.length === 1);
    leaving.emit('1001', { name: 'channel_vacated', channel: 'waiting-removal' });
    expect(leaving.pending.delayed).to.equal(1);
    // Another node that would wait 30 s for a dead node's events: the handback must not need that.
    const staying = await startNode('staying', 30_000);
    await leaving.close();
    await receiver.waitForEvents(2);
    expect(receiver.delivered()).to.deep.equal([
      { name: 'channel_occupied', channel: 'held' },
      { name: 'channel_vacated', channel: 'waiting-removal' },
    ]);
    await waitUntil(() => staying.stats.app('1001').sent === 2, 5000, 'the staying node to count its delivery');
  });
});
