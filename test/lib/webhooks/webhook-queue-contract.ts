import { expect } from 'chai';
import { DropReporter } from '../../../lib/webhooks/drop-reporter.js';
import type { QueuedEntry, WebhookEntry, WebhookQueue } from '../../../lib/webhooks/webhook-queue.js';
import { WebhookStats } from '../../../lib/webhooks/webhook-stats.js';
import { recordLogs, type LogRecorder } from '../../helpers/redis-node.js';

/** What one test gets from a harness: consumers of one fresh, empty queue. */
export type ConsumerFactory = (name: string) => WebhookQueue;

/** How the contract gets queues for one implementation. */
export interface WebhookQueueHarness {
  /** A fresh, empty queue with these bounds; call the factory once per consumer (node). */
  open(options: { maxWaiting: number; claimAfter: number; drops: DropReporter }): Promise<ConsumerFactory>;
  /** Called after each test. */
  cleanup?(): Promise<void>;
}

/** Long enough that a check made right after a take runs well within it, short enough to wait out. */
const CLAIM_AFTER = 1000;

let counter = 0;
function entry(appId = 'app1', n?: number): WebhookEntry {
  counter += 1;
  return { appId, webhook: 0, url: 'http://127.0.0.1:9/hook', event: { name: 'channel_occupied', channel: `c-${n ?? counter}` }, queuedAt: 1_700_000_000_000 + counter };
}

const channels = (taken: readonly QueuedEntry[]): string[] => taken.map((queued) => queued.entry.event.channel);

/** Takes until something comes (another consumer's hold has to expire first). */
async function takeEventually(queue: WebhookQueue, max: number, timeoutMs = CLAIM_AFTER * 5): Promise<QueuedEntry[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const taken = await queue.take(max);
    if (taken.length > 0) return taken;
    if (Date.now() > deadline) throw new Error('nothing to take');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Resolves after `ms` (the claim time passing is the thing under test here, not an event). */
const pass = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The behaviour every webhook queue must have. */
export function describeWebhookQueueContract(name: string, harness: WebhookQueueHarness): void {
  describe(`WebhookQueue contract: ${name}`, function () {
    this.timeout(20_000);
    let stats: WebhookStats;
    let log: LogRecorder;
    let consumers: ConsumerFactory;
    beforeEach(async () => {
      stats = new WebhookStats();
      log = recordLogs();
      consumers = await harness.open({ maxWaiting: 20, claimAfter: CLAIM_AFTER, drops: new DropReporter(stats, log.logger) });
    });
    afterEach(async () => {
      await harness.cleanup?.();
    });

    it('hands entries out first in, first out, each with its own id and every field intact', async () => {
      const queue = consumers('a');
      const pushed = [entry(), entry('app2'), entry()];
      pushed[1]!.event = { name: 'client_event', channel: 'private-x', event: 'client-é✓', data: '{"text":"héllo ✓"}', socket_id: '1.2', user_id: 'u' };
      await queue.push(pushed);
      const taken = await queue.take(10);
      expect(taken.map((queued) => queued.entry)).to.deep.equal(pushed);
      expect(new Set(taken.map((queued) => queued.id)).size).to.equal(3);
      expect(await queue.take(10)).to.deep.equal([]);
    });

    it('takes at most max, and the next take goes on where the last stopped', async () => {
      const queue = consumers('a');
      await queue.push([entry(), entry(), entry(), entry(), entry()]);
      const first = await queue.take(2);
      const rest = await queue.take(10);
      expect(first).to.have.length(2);
      expect(rest).to.have.length(3);
      expect(Number(rest[0]!.id)).to.be.greaterThan(Number(first[1]!.id));
    });

    it('never hands one entry to two consumers taking at the same time', async () => {
      const [a, b] = [consumers('a'), consumers('b')];
      await a.push(Array.from({ length: 20 }, () => entry()));
      const takes = await Promise.all([a.take(3), b.take(3), a.take(3), b.take(3), a.take(3), b.take(3), a.take(3), b.take(3)]);
      const ids = takes.flat().map((queued) => queued.id);
      expect(ids).to.have.length(20);
      expect(new Set(ids).size).to.equal(20);
    });

    it('a consumer dies holding a batch: another consumer delivers it after the claim time, exactly once', async () => {
      const [a, b, c] = [consumers('a'), consumers('b'), consumers('c')];
      await a.push([entry(), entry(), entry()]);
      const held = await a.take(10);
      expect(held).to.have.length(3);
      // a is now silent (killed). Within the claim time its batch stays its own.
      expect(await b.take(10)).to.deep.equal([]);
      const later = entry();
      await b.push([later]);
      const own = await b.take(10);
      expect(channels(own)).to.deep.equal([later.event.channel]);
      await b.ack(own.map((queued) => queued.id));

      const claimed = await takeEventually(b, 10);
      expect(claimed).to.deep.equal(held);
      // Nobody else gets it while b works on it, and once b acknowledges it, nobody ever does.
      expect(await c.take(10)).to.deep.equal([]);
      await b.ack(claimed.map((queued) => queued.id));
      await pass(CLAIM_AFTER * 1.5);
      expect(await c.take(10)).to.deep.equal([]);
      expect(await a.take(10)).to.deep.equal([]);
    });

    it('acknowledged entries never come back, unacknowledged ones do, in their order, before newer entries', async () => {
      const [a, b] = [consumers('a'), consumers('b')];
      const pushed = [entry(), entry(), entry(), entry()];
      await a.push(pushed);
      const held = await a.take(4);
      await a.ack([held[1]!.id, held[2]!.id]);
      const newer = entry();
      await b.push([newer]);
      await pass(CLAIM_AFTER * 1.2);
      const taken = await b.take(10);
      expect(channels(taken)).to.deep.equal([pushed[0]!.event.channel, pushed[3]!.event.channel, newer.event.channel]);
    });

    it('touching keeps a hold past the claim time; a consumer learns which entries it lost', async () => {
      const [a, b] = [consumers('a'), consumers('b')];
      await a.push([entry(), entry()]);
      const held = await a.take(10);
      const ids = held.map((queued) => queued.id);
      for (let i = 0; i < 4; i += 1) {
        await pass(CLAIM_AFTER / 3);
        expect(await a.touch(ids)).to.deep.equal([]);
      }
      expect(await b.take(10), 'a touched: its hold stands').to.deep.equal([]);
      const claimed = await takeEventually(b, 10);
      expect(claimed.map((queued) => queued.id)).to.deep.equal(ids);
      expect(await a.touch(ids), 'a stalled: b has them now').to.deep.equal(ids);
    });

    it('released entries go back in front, for any consumer to take at once', async () => {
      const [a, b] = [consumers('a'), consumers('b')];
      const pushed = [entry(), entry(), entry(), entry()];
      await a.push(pushed.slice(0, 3));
      const held = await a.take(3);
      await a.push([pushed[3]!]);
      await a.release([held[2]!.id, held[0]!.id]);
      expect(channels(await b.take(10))).to.deep.equal([pushed[0]!.event.channel, pushed[2]!.event.channel, pushed[3]!.event.channel]);
      // What a still holds stays its own; releasing what it no longer holds changes nothing.
      await a.release([held[0]!.id]);
      expect(await b.take(10)).to.deep.equal([]);
      expect(await a.touch([held[1]!.id])).to.deep.equal([]);
    });

    it('is bounded: past maxWaiting the oldest waiting entries are dropped, counted and logged, held ones are not', async () => {
      const queue = consumers('a');
      await queue.push(Array.from({ length: 5 }, () => entry('app2')));
      const held = await queue.take(5);
      const pushed = Array.from({ length: 25 }, (_, i) => entry(i < 3 ? 'app2' : 'app1'));
      await queue.push(pushed.slice(0, 10));
      await queue.push(pushed.slice(10));
      expect(stats.total.dropped.queue_full).to.equal(5);
      expect(stats.app('app2').dropped.queue_full).to.equal(3);
      expect(stats.app('app1').dropped.queue_full).to.equal(2);
      await log.waitFor(/WARN webhook events dropped \(queue_full\)/);
      expect(channels(await queue.take(100))).to.deep.equal(pushed.slice(5).map((e) => e.event.channel));
      expect(await queue.touch(held.map((queued) => queued.id))).to.deep.equal([]);
    });

    it('acknowledging or touching nothing, and unknown ids, is harmless', async () => {
      const queue = consumers('a');
      await queue.ack([]);
      await queue.release([]);
      expect(await queue.touch([])).to.deep.equal([]);
      await queue.ack(['999999']);
      await queue.release(['999999']);
      expect(await queue.touch(['999999'])).to.deep.equal(['999999']);
      expect(await queue.take(10)).to.deep.equal([]);
    });
  });
}
