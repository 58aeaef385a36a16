import { expect } from 'chai';
import sinon from 'sinon';
import { RemovalDelay } from '../../../lib/webhooks/removal-delay.js';
import type { WebhookEvent } from '../../../lib/webhooks/webhook-event.js';

describe('webhooks: RemovalDelay (delayed channel_vacated and member_removed)', () => {
  let clock: sinon.SinonFakeTimers;
  let released: Array<[string, WebhookEvent]>;
  let delay: RemovalDelay;
  const make = (delayMs = 3000, maxPending = 1000): RemovalDelay => new RemovalDelay({ delayMs, maxPending, release: (appId, event) => released.push([appId, event]) });

  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_700_000_000_000 });
    released = [];
    delay = make();
  });
  afterEach(() => {
    delay.flush();
    clock.restore();
  });

  const occupied = (channel: string): WebhookEvent => ({ name: 'channel_occupied', channel });
  const vacated = (channel: string): WebhookEvent => ({ name: 'channel_vacated', channel });
  const added = (channel: string, user_id: string): WebhookEvent => ({ name: 'member_added', channel, user_id });
  const removed = (channel: string, user_id: string): WebhookEvent => ({ name: 'member_removed', channel, user_id });

  it('passes additions and every other kind at once', () => {
    const events: WebhookEvent[] = [
      occupied('news'),
      added('presence-room', 'u1'),
      { name: 'client_event', channel: 'private-a', event: 'client-typing', data: '{}', socket_id: '1.2' },
      { name: 'cache_miss', channel: 'cache-x' },
      { name: 'subscription_count', channel: 'news', subscription_count: 3 },
    ];
    for (const event of events) delay.offer('app1', event);
    expect(released).to.deep.equal(events.map((event) => ['app1', event]));
    expect(delay.pending).to.equal(0);
  });

  it('holds channel_vacated and member_removed for the delay, then releases them once', () => {
    delay.offer('app1', vacated('news'));
    delay.offer('app1', removed('presence-room', 'u1'));
    clock.tick(2999);
    expect(released).to.deep.equal([]);
    expect(delay.pending).to.equal(2);
    clock.tick(1);
    expect(released).to.deep.equal([
      ['app1', vacated('news')],
      ['app1', removed('presence-room', 'u1')],
    ]);
    clock.tick(10_000);
    expect(released).to.have.length(2);
    expect(delay.pending).to.equal(0);
  });

  it('a page reload within the delay sends nothing: the return cancels the removal and is swallowed', () => {
    delay.offer('app1', vacated('news'));
    delay.offer('app1', removed('presence-room', 'u1'));
    clock.tick(2500);
    delay.offer('app1', occupied('news'));
    delay.offer('app1', added('presence-room', 'u1'));
    clock.tick(10_000);
    expect(released).to.deep.equal([]);
    expect(delay.pending).to.equal(0);
  });

  it('a return after the delay is news again: removal then addition', () => {
    delay.offer('app1', vacated('news'));
    clock.tick(3000);
    delay.offer('app1', occupied('news'));
    expect(released).to.deep.equal([
      ['app1', vacated('news')],
      ['app1', occupied('news')],
    ]);
  });

  it('cancels only the same app, channel and user', () => {
    delay.offer('app1', vacated('news'));
    delay.offer('app1', removed('presence-room', 'u1'));
    delay.offer('app2', occupied('news')); // another app
    delay.offer('app1', occupied('sport')); // another channel
    delay.offer('app1', added('presence-room', 'u2')); // another user
    delay.offer('app1', added('presence-other', 'u1')); // another channel, same user
    delay.offer('app1', occupied('presence-room')); // the channel, not the member
    expect(released.map(([app, event]) => [app, event.name, event.channel])).to.deep.equal([
      ['app2', 'channel_occupied', 'news'],
      ['app1', 'channel_occupied', 'sport'],
      ['app1', 'member_added', 'presence-room'],
      ['app1', 'member_added', 'presence-other'],
      ['app1', 'channel_occupied', 'presence-room'],
    ]);
    clock.tick(3000);
    expect(released.slice(5)).to.deep.equal([
      ['app1', vacated('news')],
      ['app1', removed('presence-room', 'u1')],
    ]);
  });

  it('a repeated removal keeps the first deadline and is released once', () => {
    delay.offer('app1', vacated('news'));
    clock.tick(2000);
    delay.offer('app1', vacated('news'));
    clock.tick(1000);
    expect(released).to.deep.equal([['app1', vacated('news')]]);
    clock.tick(5000);
    expect(released).to.have.length(1);
  });

  it('cancels again after a cancel: leave, return, leave, return sends nothing', () => {
    for (let i = 0; i < 3; i += 1) {
      delay.offer('app1', vacated('news'));
      clock.tick(1000);
      delay.offer('app1', occupied('news'));
    }
    clock.tick(10_000);
    expect(released).to.deep.equal([]);
  });

  it('uses the configured delay, and 0 passes removals at once', () => {
    delay = make(500);
    delay.offer('app1', vacated('news'));
    clock.tick(499);
    expect(released).to.deep.equal([]);
    clock.tick(1);
    expect(released).to.have.length(1);
    released = [];
    delay = make(0);
    delay.offer('app1', vacated('news'));
    delay.offer('app1', occupied('news'));
    expect(released.map(([, event]) => event.name)).to.deep.equal(['channel_vacated', 'channel_occupied']);
    expect(clock.countTimers()).to.equal(0);
  });

  it('bounds what waits: past maxPending the oldest waiting removal is released early, none is lost', () => {
    delay = make(3000, 2);
    delay.offer('app1', vacated('a'));
    delay.offer('app1', vacated('b'));
    delay.offer('app1', vacated('c'));
    expect(released).to.deep.equal([['app1', vacated('a')]]);
    expect(delay.pending).to.equal(2);
    clock.tick(3000);
    expect(released.map(([, event]) => event.channel)).to.deep.equal(['a', 'b', 'c']);
    expect(clock.countTimers()).to.equal(0);
  });

  it('flush releases every waiting removal now and leaves no timer behind', () => {
    delay.offer('app1', vacated('news'));
    delay.offer('app2', removed('presence-room', 'u1'));
    delay.flush();
    expect(released).to.deep.equal([
      ['app1', vacated('news')],
      ['app2', removed('presence-room', 'u1')],
    ]);
    expect(delay.pending).to.equal(0);
    expect(clock.countTimers()).to.equal(0);
  });
});
