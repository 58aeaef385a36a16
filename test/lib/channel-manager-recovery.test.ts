import { expect } from 'chai';
import type { Broker, BrokerMessage, BrokerMessageHandler } from '../../lib/broker/broker.js';
import { MemoryBroker } from '../../lib/broker/memory-broker.js';
import { ChannelManager } from '../../lib/channels/channel-manager.js';
import type { SubscribeOutcome } from '../../lib/channels/subscriber.js';
import { MemoryPresenceStore } from '../../lib/presence/presence-store.js';
import { Connection } from '../../lib/native/connection.js';
import type { TransportSocket } from '../../lib/transport/transport-socket.js';
import type { HistoryQuery, HistoryRead, HistoryStore } from '../../lib/history/history-store.js';
import { MemoryHistoryStore } from '../../lib/history/memory-history-store.js';
import { RetentionPolicy, type Retention } from '../../lib/history/retention.js';
import { silentLogger } from '../../lib/logger.js';

/** A socket that keeps what the server wrote. */
class RecordingSocket implements TransportSocket {
  readonly protocol = 'test';
  readonly remoteAddress = '127.0.0.1';
  readonly headers = {};
  readonly frames: Array<{ event: string; offset?: number; data?: any }> = [];
  write(text: string): void {
    this.frames.push(JSON.parse(text));
  }
  close(): void {}
  terminate(): void {}
  bufferedBytes(): number {
    return 0;
  }
}

/** A gate the test opens: lets it publish while a history read is in flight. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/**
 * The real memory store, with its next read held at a gate: either before the read (events
 * published meanwhile are in the read and also arrive live) or after it (they arrive only live).
 */
class GatedHistory implements HistoryStore {
  pending: { when: 'before' | 'after'; gate: ReturnType<typeof gate>; reached: () => void } | undefined;
  constructor(private readonly inner: HistoryStore) {}
  append(channel: string, event: { event: string; data: unknown }, retention: Retention) {
    return this.inner.append(channel, event, retention);
  }
  async read(channel: string, retention: Retention, query?: HistoryQuery): Promise<HistoryRead> {
    const pending = this.pending;
    this.pending = undefined;
    if (pending?.when === 'before') {
      pending.reached();
      await pending.gate.wait;
    }
    const read = await this.inner.read(channel, retention, query);
    if (pending?.when === 'after') {
      pending.reached();
      await pending.gate.wait;
    }
    return read;
  }
  close() {
    return this.inner.close();
  }
}

/** The real memory broker, able to hold back fan-outs (an event appended but still in flight). */
class HoldingBroker implements Broker {
  readonly inner = new MemoryBroker();
  readonly nodeId = this.inner.nodeId;
  holding = false;
  readonly held: BrokerMessage[] = [];
  async publish(message: BrokerMessage): Promise<number> {
    if (!this.holding) return this.inner.publish(message);
    this.held.push(message);
    return 1;
  }
  async releaseHeld(): Promise<void> {
    for (const message of this.held.splice(0)) await this.inner.publish(message);
  }
  subscribe(channel: string) {
    return this.inner.subscribe(channel);
  }
  unsubscribe(channel: string) {
    return this.inner.unsubscribe(channel);
  }
  onMessage(handler: BrokerMessageHandler) {
    this.inner.onMessage(handler);
  }
  close() {
    return this.inner.close();
  }
  isReady() {
    return this.inner.isReady();
  }
  get state() {
    return this.inner.state;
  }
}

describe('ChannelManager: recovery while events keep coming', () => {
  let history: GatedHistory;
  let manager: ChannelManager;
  let broker: HoldingBroker;
  beforeEach(() => {
    history = new GatedHistory(new MemoryHistoryStore({ maxMemoryBytes: 1_000_000, metaTtl: 3600 }));
    broker = new HoldingBroker();
    manager = new ChannelManager({
      broker,
      presence: new MemoryPresenceStore(),
      history,
      retention: new RetentionPolicy([], { size: 100, ttl: 300 }),
      logger: silentLogger,
      maxChannelsPerConnection: 10,
    });
  });
  afterEach(async () => {
    await history.close();
    await broker.close();
  });

  const publish = (n: number): Promise<number> => manager.publish({ type: 'event', channel: 'room', event: 'msg', data: { n } } satisfies BrokerMessage);

  for (const when of ['before', 'after'] as const) {
    it(`sends success, the missed events, then those published during the read (${when} it), each once and in order`, async () => {
      // Someone stays subscribed, so live events are fanned out on this node throughout.
      const watcher = new Connection(new RecordingSocket());
      const first = await manager.subscribe(watcher, 'room');
      for (let n = 1; n <= 5; n += 1) await publish(n);

      const socket = new RecordingSocket();
      const client = new Connection(socket);
      let reached!: () => void;
      const atGate = new Promise<void>((resolve) => (reached = resolve));
      const g = gate();
      history.pending = { when, gate: g, reached };
      let outcome: SubscribeOutcome | undefined;
      const subscribing = manager.subscribe(client, 'room', undefined, { since: { offset: 2, epoch: first.epoch! } });
      await atGate;
      for (let n = 6; n <= 8; n += 1) await publish(n);
      g.open();
      outcome = await subscribing;
      await publish(9);

      expect(outcome?.recovered).to.equal(true);
      expect(socket.frames[0]?.event).to.equal('pushy:subscription-success');
      expect(socket.frames.slice(1).map((f) => f.offset)).to.deep.equal([3, 4, 5, 6, 7, 8, 9]);
      expect(socket.frames.slice(1).map((f) => f.data.n)).to.deep.equal([3, 4, 5, 6, 7, 8, 9]);
    });
  }

  it('drops an event appended before the read but fanned out after it (no duplicate)', async () => {
    const watcher = new Connection(new RecordingSocket());
    const first = await manager.subscribe(watcher, 'room');
    await publish(1);
    // Offset 2 is appended now; its fan-out is held back until after the subscriber went live.
    broker.holding = true;
    await publish(2);
    broker.holding = false;

    const socket = new RecordingSocket();
    const client = new Connection(socket);
    await manager.subscribe(client, 'room', undefined, { since: { offset: 1, epoch: first.epoch! } });
    await broker.releaseHeld();
    await publish(3);
    expect(socket.frames.map((f) => f.event)).to.deep.equal(['pushy:subscription-success', 'msg', 'msg']);
    expect(socket.frames.slice(1).map((f) => f.offset)).to.deep.equal([2, 3]);
  });
});
