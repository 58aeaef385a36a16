import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { decodeNodeMessage, encodeNodeMessage } from '../../lib/broker/node-wire.js';
import { MemoryBroker } from '../../lib/broker/memory-broker.js';
import { ChannelManager } from '../../lib/channels/channel-manager.js';
import { INTERNAL_CHANNEL_POLICY, INTERNAL_CHANNEL_PREFIX } from '../../lib/channels/internal-channels.js';
import type { ChannelMessage, FrameEncoder, SubscribeOutcome, Subscriber, Subscription } from '../../lib/channels/subscriber.js';
import { MemoryHistoryStore } from '../../lib/history/memory-history-store.js';
import { RetentionPolicy } from '../../lib/history/retention.js';
import { silentLogger } from '../../lib/logger.js';
import { MemoryPresenceStore } from '../../lib/presence/presence-store.js';

/** A front end's encoder that counts its encodings. */
class CountingEncoder implements FrameEncoder<{ by: string; message: ChannelMessage }> {
  encodings = 0;
  constructor(readonly name: string) {}
  encode(message: ChannelMessage): { by: string; message: ChannelMessage } {
    this.encodings += 1;
    return { by: this.name, message };
  }
}

/** A subscriber of the default app that keeps what it is handed. */
class Recorder<F> implements Subscriber<F> {
  readonly id = randomUUID();
  readonly app = 'default';
  readonly isOpen = true;
  readonly subscriptions = new Map<string, Subscription>();
  readonly frames: F[] = [];
  readonly successes: string[] = [];
  constructor(readonly encoder: FrameEncoder<F>) {}
  subscribed(channel: string, _outcome: SubscribeOutcome): void {
    this.successes.push(channel);
  }
  deliver(frame: F): void {
    this.frames.push(frame);
  }
}

describe('channel core: protocol-neutral messages, encoded once per front end', () => {
  let manager: ChannelManager;
  let history: MemoryHistoryStore;
  beforeEach(() => {
    history = new MemoryHistoryStore({ maxMemoryBytes: 1_000_000, metaTtl: 3600 });
    manager = new ChannelManager({
      broker: new MemoryBroker(),
      presence: new MemoryPresenceStore(),
      history,
      retention: new RetentionPolicy([], { size: 100, ttl: 300 }),
      logger: silentLogger,
      maxChannelsPerConnection: 10,
    });
  });
  afterEach(() => history.close());

  it('encodes an event once per front end, however many subscribers each has, and hands every one the same frame', async () => {
    const [native, other, idle] = [new CountingEncoder('native'), new CountingEncoder('other'), new CountingEncoder('idle')];
    const natives = Array.from({ length: 5 }, () => new Recorder(native));
    const others = Array.from({ length: 3 }, () => new Recorder(other));
    const excluded = new Recorder(idle);
    // Interleaved, so the cache must keep both front ends' frames at once.
    for (let i = 0; i < 5; i += 1) {
      await manager.subscribe(natives[i]!, 'room');
      if (others[i]) await manager.subscribe(others[i]!, 'room');
    }
    await manager.subscribe(excluded, 'room');
    await manager.publish({ type: 'event', channel: 'room', event: 'story', data: { n: 1 }, excludeSocketId: excluded.id });

    expect([native.encodings, other.encodings, idle.encodings]).to.deep.equal([1, 1, 0]);
    const nativeFrame = natives[0]!.frames[0]!;
    expect(nativeFrame.message).to.include({ type: 'event', channel: 'room', event: 'story', offset: 1 });
    for (const recorder of natives) expect(recorder.frames).to.have.length(1).and.to.have.property('0').that.equals(nativeFrame);
    for (const recorder of others) expect(recorder.frames[0]).to.equal(others[0]!.frames[0]).and.to.include({ by: 'other' });
    expect(excluded.frames).to.deep.equal([]);
  });

  it('tells the front end of presence changes as neutral messages: a member added, a member removed, with the member', async () => {
    const encoder = new CountingEncoder('native');
    const [watcher, ann] = [new Recorder(encoder), new Recorder(encoder)];
    await manager.subscribe(watcher, 'presence-room', { id: 'w' });
    await manager.subscribe(ann, 'presence-room', { id: 'ann', name: 'Ann' });
    await manager.unsubscribe(ann, 'presence-room');
    const changes = watcher.frames.map(({ message }) => (message.type === 'presence' ? [message.event, message.channel, message.member.name] : message.type));
    expect(changes).to.deep.equal([
      ['member-added', 'presence-room', 'Ann'],
      ['member-removed', 'presence-room', 'Ann'],
    ]);
    // The joiner is not told of its own join, only told it is subscribed.
    expect(ann.frames).to.deep.equal([]);
    expect(ann.successes).to.deep.equal(['presence-room']);
  });
});

describe('node wire format (between nodes on Redis)', () => {
  const member = { id: 'ann', memberId: 'm1', subscribed: 1, idle: false as const };

  it('sends a presence change as the event earlier versions publish, and reads theirs back as a presence change', () => {
    const text = encodeNodeMessage({ type: 'presence', app: 'default', channel: 'presence-room', event: 'member-added', member, excludeSocketId: 's1' });
    expect(JSON.parse(text)).to.deep.equal({ type: 'event', channel: 'presence-room', event: 'pushy:presence-add', data: { member }, excludeSocketId: 's1' });
    expect(decodeNodeMessage(text)).to.deep.equal({ type: 'presence', channel: 'presence-room', event: 'member-added', member, excludeSocketId: 's1' });
    const quit = { type: 'event', channel: 'presence-room', event: 'pushy:presence-quit', data: { member } };
    expect(decodeNodeMessage(JSON.stringify(quit))).to.deep.equal({ type: 'presence', channel: 'presence-room', event: 'member-removed', member });
  });

  it('sends events as they are (the default app without `app`), and refuses what is not a message', () => {
    const event = { type: 'event' as const, channel: 'room', event: 'e', data: [1], offset: 3, epoch: 'x' };
    expect(encodeNodeMessage(event)).to.equal(JSON.stringify(event));
    expect(JSON.parse(encodeNodeMessage({ ...event, app: 'default' }))).to.deep.equal(event);
    expect(JSON.parse(encodeNodeMessage({ ...event, app: 'app-a' }))).to.deep.equal({ ...event, app: 'app-a' });
    expect(decodeNodeMessage(JSON.stringify({ ...event, app: 'app-a' }))).to.deep.equal({ ...event, app: 'app-a' });
    for (const bad of [null, 'x', { type: 'event' }, { type: 'event', channel: 'c', event: 'pushy:presence-add', data: { member: 'nope' } }]) {
      expect(decodeNodeMessage(JSON.stringify(bad)), JSON.stringify(bad)).to.equal(undefined);
    }
  });
});

describe('channel core: internal channels (the server\'s own)', () => {
  it('tells no hooks of them, lists and counts them nowhere, and keeps them outside the channel limit and the member cap', async () => {
    const history = new MemoryHistoryStore({ maxMemoryBytes: 1_000_000, metaTtl: 3600 });
    const told: string[] = [];
    const manager = new ChannelManager({
      broker: new MemoryBroker(),
      presence: new MemoryPresenceStore(),
      history,
      retention: new RetentionPolicy([], { size: 100, ttl: 300 }),
      logger: silentLogger,
      maxChannelsPerConnection: 1,
      maxPresenceMembers: 1,
      hooks: {
        channelOpened: (_app, channel) => told.push(`opened ${channel}`),
        channelClosed: (_app, channel) => told.push(`closed ${channel}`),
        memberAdded: (_app, channel) => told.push(`added ${channel}`),
        memberRemoved: (_app, channel) => told.push(`removed ${channel}`),
        subscribersChanged: (_app, channel) => told.push(`count ${channel}`),
      },
    });
    const internal = `${INTERNAL_CHANNEL_PREFIX}test`;
    const encoder = new CountingEncoder('front');
    const [a, b] = [new Recorder(encoder), new Recorder(encoder)];
    await manager.subscribe(a, internal, { id: 'a' }, { policy: INTERNAL_CHANNEL_POLICY });
    await manager.subscribe(b, internal, { id: 'b' }, { policy: INTERNAL_CHANNEL_POLICY });
    // One client channel each still fits beside it.
    await manager.subscribe(a, 'room');
    expect(a.frames.map(({ message }) => message.type === 'presence' && `${message.event} ${String(message.member.id)}`)).to.deep.equal(['member-added b']);
    expect(manager.channelNames()).to.deep.equal(['room']);
    expect([...manager.localSubscriberCounts().keys()]).to.deep.equal(['room']);
    expect([...manager.localSubscriberCountsByKey().keys()]).to.deep.equal(['room']);
    await manager.unsubscribe(b, internal);
    await manager.removeSubscriber(a);
    expect(told.filter((moment) => moment.includes(internal))).to.deep.equal([]);
    expect(told).to.include('opened room');
    await history.close();
  });
});
