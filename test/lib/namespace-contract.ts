import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { channelKey } from '../../lib/apps/namespace.js';
import type { Broker } from '../../lib/broker/broker.js';
import { ChannelManager } from '../../lib/channels/channel-manager.js';
import type { ChannelMessage, FrameEncoder, SubscribeOutcome, Subscriber, Subscription } from '../../lib/channels/subscriber.js';
import type { HistoryStore } from '../../lib/history/history-store.js';
import type { IdempotencyStore } from '../../lib/history/idempotency-store.js';
import { RetentionPolicy } from '../../lib/history/retention.js';
import { silentLogger } from '../../lib/logger.js';
import type { PresenceStore } from '../../lib/presence/presence-store.js';

/** The shared state of one node: a broker and every store. */
export interface NodeParts {
  broker: Broker;
  presence: PresenceStore;
  history: HistoryStore;
  idempotency: IdempotencyStore;
}

/** How the contract gets nodes. Nodes made by one test share their backend when it is shared (Redis). */
export interface NamespaceHarness {
  createNode(): Promise<NodeParts>;
  /** Whether nodes reach each other (Redis) or each stands alone (memory): only then do the several-nodes cases apply. */
  multiNode: boolean;
}

/** A frame as the test encoder makes it: the message itself. */
const encoder: FrameEncoder<ChannelMessage> = { encode: (message) => message };

/** A subscriber of one app that records what reaches it. */
class Recorder implements Subscriber<ChannelMessage> {
  readonly id = randomUUID();
  readonly isOpen = true;
  readonly subscriptions = new Map<string, Subscription>();
  readonly encoder = encoder;
  readonly received: ChannelMessage[] = [];
  private waiters: Array<{ match: (m: ChannelMessage) => boolean; resolve: () => void }> = [];

  constructor(readonly app: string) {}

  subscribed(_channel: string, _outcome: SubscribeOutcome): void {}

  deliver(frame: ChannelMessage): void {
    this.received.push(frame);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.match(frame)) return true;
      waiter.resolve();
      return false;
    });
  }

  /** Waits for a message (already received or coming). */
  next(match: (m: ChannelMessage) => boolean): Promise<void> {
    if (this.received.some(match)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no such message; got ${JSON.stringify(this.received)}`)), 5000);
      this.waiters.push({
        match,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  events(): string[] {
    return this.received.map((m) =>
      m.type === 'event' ? `${m.event}:${JSON.stringify(m.data)}` : m.type === 'presence' ? `${m.event}:${String(m.member.name)}` : `${m.type}:${m.count}`,
    );
  }
}

let unique = 0;
/** A channel name no other test of the run uses (Redis state outlives a test). */
const fresh = (name: string): string => `${name}-${process.pid}-${(unique += 1)}`;

const isNamed = (name: string) => (m: ChannelMessage) => m.type === 'event' && m.event === name;

/**
 * Apps are namespaces through the whole core: two apps using the same channel name never see
 * each other's events, members, history or idempotency keys, on one node or across nodes.
 */
export function describeNamespaceContract(name: string, harness: NamespaceHarness): void {
  describe(`app namespaces: ${name}`, () => {
    const opened: Array<NodeParts & { manager: ChannelManager }> = [];
    const node = async (): Promise<ChannelManager> => {
      const parts = await harness.createNode();
      const manager = new ChannelManager({ ...parts, retention: new RetentionPolicy([], { size: 100, ttl: 300 }), logger: silentLogger, maxChannelsPerConnection: 10 });
      opened.push({ ...parts, manager });
      return manager;
    };
    afterEach(async () => {
      for (const parts of opened.splice(0)) {
        await parts.presence.close();
        await parts.broker.close();
        await parts.history.close();
        await parts.idempotency.close();
      }
    });

    it('an event published in one app reaches only that app\'s subscribers of the channel', async () => {
      const channel = fresh('room');
      const manager = await node();
      const [a, b, plain] = [new Recorder('app-a'), new Recorder('app-b'), new Recorder('default')];
      for (const subscriber of [a, b, plain]) await manager.subscribe(subscriber, channel);
      await manager.publish({ type: 'event', app: 'app-a', channel, event: 'for-a', data: 1 });
      await manager.publish({ type: 'event', app: 'app-b', channel, event: 'for-b', data: 2 });
      await manager.publish({ type: 'event', channel, event: 'for-default', data: 3 });
      // Publishers keep their order: the last one arriving means nothing else is on its way.
      await Promise.all([a.next(isNamed('for-a')), b.next(isNamed('for-b')), plain.next(isNamed('for-default'))]);
      await manager.publish({ type: 'event', app: 'app-a', channel, event: 'sentinel', data: 0 });
      await a.next(isNamed('sentinel'));
      expect(a.events()).to.deep.equal(['for-a:1', 'sentinel:0']);
      expect(b.events()).to.deep.equal(['for-b:2']);
      expect(plain.events()).to.deep.equal(['for-default:3']);
      expect(manager.channelNames('app-a')).to.deep.equal([channel]);
      expect(manager.localSubscriberCount(channel, 'app-b')).to.equal(1);
    });

    // Only where there are several nodes to speak of (the memory stores serve one process).
    if (harness.multiNode) {
      it('across nodes too: a subscriber of one app on one node, of another on the other', async function () {
        const channel = fresh('room');
        const [first, second] = [await node(), await node()];
        const [a, b] = [new Recorder('app-a'), new Recorder('app-b')];
        await first.subscribe(a, channel);
        await second.subscribe(b, channel);
        await second.publish({ type: 'event', app: 'app-a', channel, event: 'for-a', data: 1 });
        await first.publish({ type: 'event', app: 'app-b', channel, event: 'for-b', data: 2 });
        await Promise.all([a.next(isNamed('for-a')), b.next(isNamed('for-b'))]);
        await second.publish({ type: 'event', app: 'app-a', channel, event: 'sentinel', data: 0 });
        await first.publish({ type: 'event', app: 'app-b', channel, event: 'sentinel', data: 0 });
        await Promise.all([a.next(isNamed('sentinel')), b.next(isNamed('sentinel'))]);
        expect(a.events()).to.deep.equal(['for-a:1', 'sentinel:0']);
        expect(b.events()).to.deep.equal(['for-b:2', 'sentinel:0']);
      });
    }

    it('members are an app\'s own: lists, joins and quits', async () => {
      const channel = fresh('presence-room');
      const manager = await node();
      const [a1, a2, b1] = [new Recorder('app-a'), new Recorder('app-a'), new Recorder('app-b')];
      await manager.subscribe(a1, channel, { id: 'ann', name: 'ann' });
      await manager.subscribe(b1, channel, { id: 'bob', name: 'bob' });
      const joined = await manager.subscribe(a2, channel, { id: 'ann', name: 'ann' });
      expect(joined.presence?.map((m) => m.name)).to.deep.equal(['ann']);
      expect((await manager.members(channel, 'app-a')).map((m) => m.name)).to.deep.equal(['ann']);
      expect((await manager.members(channel, 'app-b')).map((m) => m.name)).to.deep.equal(['bob']);
      expect(await manager.members(channel)).to.deep.equal([]);
      await manager.unsubscribe(b1, channel);
      await manager.publish({ type: 'event', app: 'app-a', channel, event: 'sentinel', data: 0 });
      await a1.next(isNamed('sentinel'));
      expect(a1.events()).to.deep.equal(['sentinel:0']);
      expect(await manager.members(channel, 'app-b')).to.deep.equal([]);
    });

    it('history is an app\'s own: offsets count per app, and a recovery replays only its app\'s events', async () => {
      const channel = fresh('room');
      const manager = await node();
      for (let n = 1; n <= 3; n += 1) await manager.publish({ type: 'event', app: 'app-a', channel, event: 'a', data: n });
      await manager.publish({ type: 'event', app: 'app-b', channel, event: 'b', data: 1 });
      expect((await manager.subscribe(new Recorder('app-b'), channel)).offset).to.equal(1);
      expect((await manager.subscribe(new Recorder('default'), channel)).offset).to.equal(0);
      const first = await manager.subscribe(new Recorder('app-a'), channel);
      expect(first.offset).to.equal(3);
      const replayed = new Recorder('app-a');
      await manager.subscribe(replayed, channel, undefined, { since: { offset: 1, epoch: first.epoch! } });
      expect(replayed.events()).to.deep.equal(['a:2', 'a:3']);
    });

    it('idempotency keys are an app\'s own', async () => {
      const channel = fresh('room');
      await node();
      const { idempotency } = opened.at(-1)!;
      expect(await idempotency.claim(channelKey('app-a', channel), 'k1')).to.deep.equal({ first: true });
      expect(await idempotency.claim(channelKey('app-b', channel), 'k1')).to.deep.equal({ first: true });
      expect(await idempotency.claim(channelKey('default', channel), 'k1')).to.deep.equal({ first: true });
      expect(await idempotency.claim(channelKey('app-a', channel), 'k1')).to.deep.equal({ first: false });
    });
  });
}
