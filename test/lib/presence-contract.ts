import { expect } from 'chai';
import type { Member, PresenceStore } from '../../lib/presence/presence-store.js';

let counter = 0;
/** A channel no other test uses (suites may share one Redis). */
export function freshPresenceChannel(): string {
  counter += 1;
  return `presence-contract-${process.pid}-${Date.now()}-${counter}`;
}

/** A member as the channel manager builds it. */
export function member(name: string, extra: Record<string, unknown> = {}): Member {
  return { name, ...extra, memberId: `mid-${name}`, subscribed: 1700000000000, idle: false };
}

/** What every presence store does on one node. */
export function describePresenceContract(name: string, createStore: () => Promise<PresenceStore>): void {
  describe(`PresenceStore contract: ${name}`, () => {
    let store: PresenceStore;
    beforeEach(async () => {
      store = await createStore();
    });
    afterEach(async () => {
      await store.close();
    });

    it('the first connection of a member joins it; the list includes it', async () => {
      const channel = freshPresenceChannel();
      const alice = member('alice', { nested: { ok: [1, 'ü'] } });
      const joined = await store.join(channel, 'u:alice', alice, 'c1');
      expect(joined.first).to.equal(true);
      expect(joined.members).to.deep.equal([alice]);
      expect(await store.members(channel)).to.deep.equal([alice]);
    });

    it('a second connection of the same member is not a new member, and keeps the first one\'s data', async () => {
      const channel = freshPresenceChannel();
      await store.join(channel, 'u:alice', member('alice'), 'c1');
      const again = await store.join(channel, 'u:alice', member('alice', { memberId: 'other' }), 'c2');
      expect(again.first).to.equal(false);
      expect(again.members).to.deep.equal([member('alice')]);
      const bob = await store.join(channel, 'u:bob', member('bob'), 'c3');
      expect(bob.first).to.equal(true);
      expect(bob.members).to.have.deep.members([member('alice'), member('bob')]);
    });

    it('the member quits with its last connection only', async () => {
      const channel = freshPresenceChannel();
      await store.join(channel, 'u:alice', member('alice'), 'c1');
      await store.join(channel, 'u:alice', member('alice'), 'c2');
      expect(await store.leave(channel, 'u:alice', 'c1')).to.deep.equal({ last: false, member: member('alice') });
      expect(await store.leave(channel, 'u:alice', 'c2')).to.deep.equal({ last: true, member: member('alice') });
      expect(await store.members(channel)).to.deep.equal([]);
    });

    it('leaving with a connection that never joined changes nothing', async () => {
      const channel = freshPresenceChannel();
      await store.join(channel, 'u:alice', member('alice'), 'c1');
      expect(await store.leave(channel, 'u:alice', 'nope')).to.deep.equal({ last: false, member: undefined });
      expect(await store.leave(freshPresenceChannel(), 'u:alice', 'c1')).to.deep.equal({ last: false, member: undefined });
      expect(await store.members(channel)).to.deep.equal([member('alice')]);
    });

    it('keeps channels apart and counts members', async () => {
      const [a, b] = [freshPresenceChannel(), freshPresenceChannel()];
      await store.join(a, 'u:alice', member('alice'), 'c1');
      await store.join(b, 'u:alice', member('alice'), 'c1');
      await store.join(b, 'u:bob', member('bob'), 'c2');
      expect(store.memberCount()).to.equal(3);
      await store.leave(b, 'u:alice', 'c1');
      expect(await store.members(a)).to.deep.equal([member('alice')]);
      expect(await store.members(b)).to.deep.equal([member('bob')]);
      expect(store.memberCount()).to.equal(2);
    });

    it('counts the members of several channels at once, in the order asked', async () => {
      const [a, b, empty] = [freshPresenceChannel(), freshPresenceChannel(), freshPresenceChannel()];
      await store.join(a, 'u:alice', member('alice'), 'c1');
      await store.join(a, 'u:alice', member('alice'), 'c2');
      await store.join(b, 'u:alice', member('alice'), 'c1');
      await store.join(b, 'u:bob', member('bob'), 'c3');
      expect(await store.memberCounts([b, empty, a])).to.deep.equal([2, 0, 1]);
      expect(await store.memberCounts([])).to.deep.equal([]);
      await store.leave(b, 'u:bob', 'c3');
      expect(await store.memberCounts([a, b])).to.deep.equal([1, 1]);
    });

    it('an empty channel has no members', async () => {
      expect(await store.members(freshPresenceChannel())).to.deep.equal([]);
      expect(store.memberCount()).to.equal(0);
    });
  });
}
