import { expect } from 'chai';
import { buildMetaStats, META_STATS_CHANNEL, META_STATS_EVENT, type MetaStatsSource } from '../../../lib/meta/meta-stats.js';
import { channelKind, isReservedEvent } from '../../../lib/channels/channel-policy.js';

/** One node's counts, as `nodeView` reports them. */
function node(connections: number, byKind: { public: number; private: number; presence: number }, events: { triggered: number; delivered: number }): MetaStatsSource {
  const channels = byKind.public + byKind.private + byKind.presence;
  return { connections: { total: connections }, channels: { total: channels, byKind }, subscriptions: connections * 2, presenceMembers: byKind.presence * 3, events };
}

describe('meta-stats payload', () => {
  it('goes to a private channel as a reserved event (never in history, never triggered by a backend)', () => {
    expect(channelKind(META_STATS_CHANNEL)).to.equal('private');
    expect(isReservedEvent(META_STATS_EVENT)).to.equal(true);
  });

  it('sums the app\'s counts over the nodes', () => {
    const payload = buildMetaStats({
      app: 'shop',
      at: 1_700_000_000_000,
      nodes: [node(10, { public: 2, private: 1, presence: 1 }, { triggered: 5, delivered: 50 }), node(4, { public: 1, private: 0, presence: 2 }, { triggered: 1, delivered: 8 })],
    });
    expect(payload).to.deep.equal({
      app: 'shop',
      at: 1_700_000_000_000,
      nodes: 2,
      connections: 14,
      channels: { total: 7, public: 3, private: 1, presence: 3 },
      subscriptions: 28,
      presenceMembers: 9,
      events: { triggered: 6, delivered: 58 },
    });
  });

  it('adds rates per second since the previous payload, never negative', () => {
    const first = buildMetaStats({ app: 'a', at: 10_000, nodes: [node(1, { public: 1, private: 0, presence: 0 }, { triggered: 100, delivered: 1000 })] });
    const second = buildMetaStats({ app: 'a', at: 15_000, nodes: [node(1, { public: 1, private: 0, presence: 0 }, { triggered: 112, delivered: 1003 })], previous: first });
    expect(second.events).to.deep.equal({ triggered: 112, delivered: 1003, triggeredPerSecond: 2.4, deliveredPerSecond: 0.6 });
    // A node restarted: its totals begin again at zero.
    const third = buildMetaStats({ app: 'a', at: 20_000, nodes: [node(1, { public: 1, private: 0, presence: 0 }, { triggered: 3, delivered: 3 })], previous: second });
    expect(third.events).to.deep.equal({ triggered: 3, delivered: 3, triggeredPerSecond: 0, deliveredPerSecond: 0 });
    expect(buildMetaStats({ app: 'a', at: 10_000, nodes: [], previous: first }).events, 'no time passed: no rate').to.deep.equal({ triggered: 0, delivered: 0 });
  });

  it('is all zeros for an app with no node counts yet', () => {
    expect(buildMetaStats({ app: 'a', at: 1, nodes: [] })).to.deep.equal({
      app: 'a',
      at: 1,
      nodes: 0,
      connections: 0,
      channels: { total: 0, public: 0, private: 0, presence: 0 },
      subscriptions: 0,
      presenceMembers: 0,
      events: { triggered: 0, delivered: 0 },
    });
  });
});
