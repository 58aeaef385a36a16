import { expect } from 'chai';
import type { Broker, BrokerMessage, ChannelEventMessage, SubscriptionCountMessage } from '../../lib/broker/broker.js';
import { waitUntil } from '../helpers/wait.js';
import { jsonText, RawJson } from '../../lib/raw-json.js';

/** How the contract gets brokers for one implementation. */
export interface BrokerContractHarness {
  /** A broker for a new node. With `multiNode`, all nodes of one suite share a bus. */
  createNode(): Promise<Broker>;
  /**
   * Whether brokers from `createNode` reach each other (Redis) or each stands alone (memory,
   * one process by definition): only then do the several-nodes cases apply.
   */
  multiNode: boolean;
  /** For a broker with a backing service (Redis): takes it away and brings it back. */
  outage?: { begin(): Promise<void>; end(): Promise<void> };
}

/** Events and presence changes: the messages with an event name. */
type Received = Exclude<BrokerMessage, SubscriptionCountMessage>;

/** Messages a broker handed to its handlers, with a way to wait for one. */
class Inbox {
  readonly messages: Received[] = [];
  /** Subscription counts, kept apart (they have no event name). */
  readonly counts: SubscriptionCountMessage[] = [];
  private waiters: Array<{ match: (m: Received) => boolean; resolve: (m: Received) => void }> = [];

  constructor(broker: Broker) {
    broker.onMessage((message) => {
      if (message.type === 'subscription-count') {
        this.counts.push(message);
        return;
      }
      this.messages.push(message);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(message)) return true;
        w.resolve(message);
        return false;
      });
    });
  }

  next(match: (m: Received) => boolean, timeoutMs = 5000): Promise<Received> {
    const found = this.messages.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message; got ${JSON.stringify(this.messages)}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  named(event: string): Received[] {
    return this.messages.filter((m) => m.event === event);
  }
}

let counter = 0;
/** A channel name no other test uses (suites may share one Redis). */
function freshChannel(): string {
  counter += 1;
  return `contract-${process.pid}-${Date.now()}-${counter}`;
}

function event(channel: string, name: string, data: unknown = {}, excludeSocketId?: string): ChannelEventMessage {
  return excludeSocketId === undefined ? { type: 'event', channel, event: name, data } : { type: 'event', channel, event: name, data, excludeSocketId };
}

/**
 * The behaviour every broker must have. Negative checks ("was not delivered") publish a
 * sentinel afterwards and wait for it: brokers keep a publisher's order, so anything wrongly
 * delivered would have arrived first.
 */
export function describeBrokerContract(name: string, harness: BrokerContractHarness): void {
  describe(`Broker contract: ${name}`, () => {
    const opened: Broker[] = [];
    const node = async (): Promise<{ broker: Broker; inbox: Inbox }> => {
      const broker = await harness.createNode();
      opened.push(broker);
      return { broker, inbox: new Inbox(broker) };
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((broker) => broker.close()));
    });

    it('has a node id', async () => {
      const { broker } = await node();
      expect(broker.nodeId).to.be.a('string').and.have.length.greaterThan(0);
    });

    it('says it is ready (state "ready") once it can carry messages, and not after close (state "closed")', async () => {
      const { broker } = await node();
      expect(broker.isReady()).to.equal(true);
      expect(broker.state).to.equal('ready');
      await broker.close();
      expect(broker.isReady()).to.equal(false);
      expect(broker.state).to.equal('closed');
    });

    const { outage } = harness;
    if (outage) {
      it('is not ready while its backing service is away, and ready again once it is back', async () => {
        const { broker, inbox } = await node();
        const channel = freshChannel();
        await broker.subscribe(channel);
        await outage.begin();
        try {
          await waitUntil(() => !broker.isReady(), 10_000, 'the broker to notice the outage');
          expect(broker.state).to.not.equal('ready');
        } finally {
          await outage.end();
        }
        await waitUntil(() => broker.isReady(), 10_000, 'the broker to be ready again');
        expect(broker.state).to.equal('ready');
        // Ready means it: the channel is carried again.
        expect(await broker.publish(event(channel, 'back'))).to.equal(1);
        await inbox.next((m) => m.event === 'back');
      });
    }

    it('publishing to a channel nobody subscribed to reaches no node and resolves 0', async () => {
      const { broker, inbox } = await node();
      const channel = freshChannel();
      expect(await broker.publish(event(channel, 'lost'))).to.equal(0);
      const sentinel = freshChannel();
      await broker.subscribe(sentinel);
      await broker.publish(event(sentinel, 'sentinel'));
      await inbox.next((m) => m.event === 'sentinel');
      expect(inbox.named('lost')).to.deep.equal([]);
    });

    it('delivers a message once, with every field, to a node subscribed to its channel, and counts it', async () => {
      const { broker, inbox } = await node();
      const channel = freshChannel();
      await broker.subscribe(channel);
      const message = event(channel, 'story', { text: 'héllo ✓', list: [1, null, { deep: true }] }, 'socket-1');
      expect(await broker.publish(message)).to.equal(1);
      expect(await inbox.next((m) => m.event === 'story')).to.deep.equal(message);
      await broker.publish(event(channel, 'sentinel'));
      await inbox.next((m) => m.event === 'sentinel');
      expect(inbox.named('story')).to.have.length(1);
    });

    it('carries a subscription count with its app, channel, count and version', async () => {
      const { broker, inbox } = await node();
      const channel = freshChannel();
      await broker.subscribe(`counted/${channel}`);
      const count: SubscriptionCountMessage = { type: 'subscription-count', app: 'counted', channel, count: 3, version: 1733000000123456 };
      expect(await broker.publish(count)).to.equal(1);
      await broker.publish({ ...event(channel, 'sentinel'), app: 'counted' });
      await inbox.next((m) => m.event === 'sentinel');
      expect(inbox.counts).to.deep.equal([count]);
    });

    it('carries data given as JSON text (a RawJson) byte for byte, with the other fields', async () => {
      const { broker, inbox } = await node();
      const channel = freshChannel();
      await broker.subscribe(channel);
      const text = '{"id":12345678901234567890,"price": 1.50}';
      await broker.publish({ type: 'event', channel, event: 'raw', data: new RawJson(text), excludeSocketId: 'socket-1', offset: 3, epoch: 'ep' });
      const got = (await inbox.next((m) => m.event === 'raw')) as ChannelEventMessage;
      expect(got.data).to.be.instanceOf(RawJson);
      expect(jsonText(got.data)).to.equal(text);
      expect(got).to.include({ channel, excludeSocketId: 'socket-1', offset: 3, epoch: 'ep' });
    });

    it('subscribing twice is the same as once', async () => {
      const { broker, inbox } = await node();
      const channel = freshChannel();
      await broker.subscribe(channel);
      await broker.subscribe(channel);
      expect(await broker.publish(event(channel, 'once'))).to.equal(1);
      await broker.publish(event(channel, 'sentinel'));
      await inbox.next((m) => m.event === 'sentinel');
      expect(inbox.named('once')).to.have.length(1);
    });

    it('does not deliver other channels, nor a channel after unsubscribe', async () => {
      const { broker, inbox } = await node();
      const [kept, other, dropped] = [freshChannel(), freshChannel(), freshChannel()];
      await broker.subscribe(kept);
      await broker.subscribe(dropped);
      await broker.unsubscribe(dropped);
      await broker.unsubscribe(freshChannel());
      expect(await broker.publish(event(other, 'other'))).to.equal(0);
      expect(await broker.publish(event(dropped, 'dropped'))).to.equal(0);
      await broker.publish(event(kept, 'sentinel'));
      await inbox.next((m) => m.event === 'sentinel');
      expect(inbox.messages.map((m) => m.event)).to.deep.equal(['sentinel']);
    });

    it('keeps the order of one publisher', async () => {
      const { broker, inbox } = await node();
      const channel = freshChannel();
      await broker.subscribe(channel);
      for (let i = 0; i < 20; i += 1) await broker.publish(event(channel, 'n', { i }));
      await inbox.next((m) => ((m as ChannelEventMessage).data as { i: number }).i === 19);
      expect(inbox.messages.map((m) => ((m as ChannelEventMessage).data as { i: number }).i)).to.deep.equal([...Array(20).keys()]);
    });

    it('hands each message to every handler', async () => {
      const { broker, inbox } = await node();
      const second = new Inbox(broker);
      const channel = freshChannel();
      await broker.subscribe(channel);
      await broker.publish(event(channel, 'both'));
      await inbox.next((m) => m.event === 'both');
      await second.next((m) => m.event === 'both');
    });

    it('stops delivering after close', async () => {
      const { broker, inbox } = await node();
      const channel = freshChannel();
      await broker.subscribe(channel);
      await broker.close();
      const { broker: other, inbox: otherInbox } = await node();
      await other.subscribe(channel);
      await other.publish(event(channel, 'after-close'));
      await otherInbox.next((m) => m.event === 'after-close');
      expect(inbox.messages).to.deep.equal([]);
    });

    if (!harness.multiNode) return;
    describe('several nodes', () => {
      it('reaches every subscribed node exactly once, counts them, and skips the others', async () => {
        const a = await node();
        const b = await node();
        const c = await node();
        const channel = freshChannel();
        await a.broker.subscribe(channel);
        await b.broker.subscribe(channel);
        const message = event(channel, 'everywhere', { n: 1 }, 'socket-on-a');
        expect(await c.broker.publish(message)).to.equal(2);
        expect(await a.inbox.next((m) => m.event === 'everywhere')).to.deep.equal(message);
        expect(await b.inbox.next((m) => m.event === 'everywhere')).to.deep.equal(message);
        const sentinel = freshChannel();
        await c.broker.subscribe(sentinel);
        await a.broker.subscribe(sentinel);
        await b.broker.subscribe(sentinel);
        await c.broker.publish(event(sentinel, 'sentinel'));
        await Promise.all([a, b, c].map((n) => n.inbox.next((m) => m.event === 'sentinel')));
        expect(a.inbox.named('everywhere')).to.have.length(1);
        expect(b.inbox.named('everywhere')).to.have.length(1);
        expect(c.inbox.named('everywhere')).to.have.length(0);
      });

      it('counts a node out once it unsubscribed', async () => {
        const a = await node();
        const b = await node();
        const channel = freshChannel();
        await a.broker.subscribe(channel);
        await b.broker.subscribe(channel);
        await b.broker.unsubscribe(channel);
        expect(await b.broker.publish(event(channel, 'x'))).to.equal(1);
        await a.inbox.next((m) => m.event === 'x');
      });

      it('gives every node its own id', async () => {
        const a = await node();
        const b = await node();
        expect(a.broker.nodeId).to.not.equal(b.broker.nodeId);
      });
    });
  });
}
