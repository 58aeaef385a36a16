import { expect } from 'chai';
import type { OccupancyStore } from '../../lib/occupancy/occupancy-store.js';

let counter = 0;
/** A channel or marker no other test uses (suites may share one Redis). */
export function freshOccupancyName(prefix = 'occupancy'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now()}-${counter}`;
}

/** Long enough that a test never outlives it; 0 makes every pending removal overdue. */
const LONG = 600_000;

/** What every occupancy store does on one node. */
export function describeOccupancyContract(name: string, createStore: () => Promise<OccupancyStore>): void {
  describe(`OccupancyStore contract: ${name}`, () => {
    let store: OccupancyStore;
    beforeEach(async () => {
      store = await createStore();
    });
    afterEach(async () => {
      await store.close();
    });

    it('the first occupation is new; a second one by the same node is nothing', async () => {
      const channel = freshOccupancyName();
      expect(await store.occupy(channel, LONG)).to.equal('new');
      expect(await store.occupy(channel, LONG)).to.equal('none');
    });

    it('vacating leaves a removal that a return within the delay cancels', async () => {
      const channel = freshOccupancyName();
      await store.occupy(channel, LONG);
      expect(await store.vacate(channel, 't1')).to.equal(true);
      expect(await store.occupy(channel, LONG)).to.equal('back');
      // Cancelled: its owner finds nothing to send.
      expect(await store.confirmRemoval(`c:${channel}`, 't1')).to.equal(false);
    });

    it('a return after the delay finds the removal owed, once', async () => {
      const channel = freshOccupancyName();
      await store.occupy(channel, LONG);
      await store.vacate(channel, 't1');
      expect(await store.occupy(channel, 0)).to.equal('owed');
      expect(await store.confirmRemoval(`c:${channel}`, 't1')).to.equal(false);
      expect(await store.vacate(channel, 't2')).to.equal(true);
      expect(await store.occupy(channel, 0)).to.equal('owed');
    });

    it('a removal is confirmed once, by its own token only', async () => {
      const channel = freshOccupancyName();
      await store.occupy(channel, LONG);
      await store.vacate(channel, 't1');
      expect(await store.confirmRemoval(`c:${channel}`, 'other')).to.equal(false);
      expect(await store.confirmRemoval(`c:${channel}`, 't1')).to.equal(true);
      expect(await store.confirmRemoval(`c:${channel}`, 't1')).to.equal(false);
      expect(await store.occupy(channel, LONG)).to.equal('new');
    });

    it('vacating a channel it does not hold is not a removal', async () => {
      expect(await store.vacate(freshOccupancyName(), 't1')).to.equal(false);
    });

    it('a newer removal of the same thing replaces the older one', async () => {
      const marker = freshOccupancyName('member');
      await store.markRemoval(marker, 't1');
      await store.markRemoval(marker, 't2');
      expect(await store.confirmRemoval(marker, 't1')).to.equal(false);
      expect(await store.confirmRemoval(marker, 't2')).to.equal(true);
    });

    it('marked removals resume like channels: new, back within the delay, owed after', async () => {
      const marker = freshOccupancyName('member');
      expect(await store.resume(marker, LONG)).to.equal('new');
      await store.markRemoval(marker, 't1');
      expect(await store.resume(marker, LONG)).to.equal('back');
      expect(await store.resume(marker, LONG)).to.equal('new');
      await store.markRemoval(marker, 't2');
      expect(await store.resume(marker, 0)).to.equal('owed');
      expect(await store.confirmRemoval(marker, 't2')).to.equal(false);
    });
  });
}
