import { expect } from 'chai';
import sinon from 'sinon';
import { MemoryHistoryStore } from '../../lib/history/memory-history-store.js';

const KEEP = { size: 100, ttl: 300 };

describe('MemoryHistoryStore', () => {
  let clock: sinon.SinonFakeTimers;
  let store: MemoryHistoryStore;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_700_000_000_000 });
    store = new MemoryHistoryStore({ maxMemoryBytes: 1_000_000, metaTtl: 3600 });
  });
  afterEach(async () => {
    await store.close();
    clock.restore();
  });

  it('gives each channel event the next offset of its own channel, in one epoch', async () => {
    const a1 = await store.append('a', { event: 'e', data: 1 }, KEEP);
    const a2 = await store.append('a', { event: 'e', data: 2 }, KEEP);
    const b1 = await store.append('b', { event: 'e', data: 3 }, KEEP);
    expect([a1.offset, a2.offset, b1.offset]).to.deep.equal([1, 2, 1]);
    expect(a2.epoch).to.equal(a1.epoch).and.to.be.a('string').and.not.equal('');
    expect(b1.epoch).to.not.equal(a1.epoch);
  });

  it('reads the events after an offset, oldest first, and says whether none is missing', async () => {
    for (let i = 1; i <= 5; i += 1) await store.append('a', { event: 'e', data: { i } }, KEEP);
    const read = await store.read('a', KEEP, { since: 2 });
    expect(read.offset).to.equal(5);
    expect(read.complete).to.equal(true);
    expect(read.events.map((e) => e.offset)).to.deep.equal([3, 4, 5]);
    expect(read.events[0]).to.deep.equal({ offset: 3, event: 'e', data: { i: 3 }, timestamp: 1_700_000_000_000 });
    expect((await store.read('a', KEEP, { since: 5 })).events).to.deep.equal([]);
    expect((await store.read('a', KEEP, { since: 5 })).complete).to.equal(true);
    expect((await store.read('a', KEEP, { since: 9 })).complete, 'a position from the future').to.equal(false);
    expect((await store.read('a', KEEP, { since: 0, limit: 2 })).events.map((e) => e.offset), 'limit').to.deep.equal([1, 2]);
  });

  it('stores nothing for reads of channels without events, so they cannot push out a channel’s events', async () => {
    const small = new MemoryHistoryStore({ maxMemoryBytes: 20_000, metaTtl: 3600 });
    try {
      for (let i = 1; i <= 50; i += 1) await small.append('real', { event: 'e', data: i }, KEEP);
      const before = small.memoryBytes();
      for (let i = 0; i < 20_000; i += 1) {
        const read = await small.read(`fresh-${i}`, KEEP, i % 2 ? { since: 0, epoch: 'whatever' } : {});
        expect(read.offset).to.equal(0);
      }
      expect(small.channelCount()).to.equal(1);
      expect(small.memoryBytes()).to.equal(before);
      const real = await small.read('real', KEEP, { since: 0 });
      expect(real.events.map((e) => e.data)).to.deep.equal([...Array(50).keys()].map((i) => i + 1));
      expect(real.complete).to.equal(true);
    } finally {
      await small.close();
    }
  });

  it('an empty epoch seen before memory pressure forgot a channel does not continue', async () => {
    const small = new MemoryHistoryStore({ maxMemoryBytes: 3_000, metaTtl: 3600 });
    try {
      const empty = await small.read('quiet', KEEP);
      await small.append('quiet', { event: 'e', data: 1 }, KEEP);
      clock.tick(1);
      // Other channels' counters push 'quiet' (idle, least recently used) out entirely.
      for (let i = 0; i < 40; i += 1) await small.append(`other-${i}`, { event: 'e', data: i }, KEEP);
      expect((await small.read('quiet', KEEP)).offset, 'forgotten').to.equal(0);
      await small.append('quiet', { event: 'e', data: 2 }, KEEP);
      expect((await small.read('quiet', KEEP, { since: 0, epoch: empty.epoch })).complete).to.equal(false);
    } finally {
      await small.close();
    }
  });

  it('keeps at most `size` events per channel', async () => {
    const retention = { size: 10, ttl: 300 };
    for (let i = 1; i <= 25; i += 1) await store.append('a', { event: 'e', data: i }, retention);
    const read = await store.read('a', retention, { since: 0 });
    expect(read.events.map((e) => e.offset)).to.deep.equal([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(read.complete).to.equal(false);
    expect((await store.read('a', retention, { since: 15 })).complete).to.equal(true);
    expect((await store.read('a', retention, { since: 14 })).complete).to.equal(false);
  });

  it('drops events older than `ttl` seconds, and the periodic sweep frees them on idle channels', async () => {
    const retention = { size: 100, ttl: 60 };
    await store.append('a', { event: 'e', data: 1 }, retention);
    clock.tick(30_000);
    await store.append('a', { event: 'e', data: 2 }, retention);
    await store.append('idle', { event: 'e', data: 'x' }, retention);
    clock.tick(30_001);
    const read = await store.read('a', retention, { since: 0 });
    expect(read.events.map((e) => e.offset)).to.deep.equal([2]);
    expect(read.complete).to.equal(false);
    expect((await store.read('a', retention, { since: 1 })).complete).to.equal(true);
    const before = store.memoryBytes();
    clock.tick(31_000);
    expect(store.memoryBytes(), 'the sweep dropped both expired events').to.be.lessThan(before);
    expect((await store.read('a', retention, { since: 0 })).events).to.deep.equal([]);
    expect((await store.read('a', retention, { since: 0 })).offset, 'the counter outlives the events').to.equal(2);
  });

  it('forgets an idle channel after metaTtl, and it comes back with a new epoch', async () => {
    const { epoch } = await store.append('a', { event: 'e', data: 1 }, { size: 10, ttl: 10 });
    clock.tick(3600_000 + 20_000);
    expect(store.channelCount()).to.equal(0);
    const again = await store.read('a', KEEP, { since: 1 });
    expect(again.epoch).to.not.equal(epoch);
    expect(again.offset).to.equal(0);
  });

  it('keeps the total estimated memory under maxMemoryBytes, dropping the least recently used channel first', async () => {
    const small = new MemoryHistoryStore({ maxMemoryBytes: 20_000, metaTtl: 3600 });
    try {
      const payload = 'x'.repeat(400);
      for (let i = 0; i < 20; i += 1) await small.append('cold', { event: 'e', data: payload }, KEEP);
      for (let i = 0; i < 40; i += 1) {
        await small.append('hot', { event: 'e', data: payload }, KEEP);
        expect(small.memoryBytes()).to.be.at.most(20_000);
      }
      const cold = await small.read('cold', KEEP, { since: 0 });
      const hot = await small.read('hot', KEEP, { since: 0 });
      expect(cold.events, 'the cold channel went first').to.have.length(0);
      expect(hot.events.length).to.be.greaterThan(10);
      expect(hot.events.at(-1)?.offset).to.equal(40);
      expect(hot.complete).to.equal(false);
      // What remains is still consecutive: recovery from within it works.
      const since = hot.events[0]!.offset;
      expect((await small.read('hot', KEEP, { since: since })).complete).to.equal(true);
    } finally {
      await small.close();
    }
  });

  it('does not keep an event larger than the whole budget, and does not pretend to recover across it', async () => {
    const small = new MemoryHistoryStore({ maxMemoryBytes: 5_000, metaTtl: 3600 });
    try {
      await small.append('a', { event: 'e', data: 'ok' }, KEEP);
      await small.append('a', { event: 'e', data: 'y'.repeat(10_000) }, KEEP);
      await small.append('a', { event: 'e', data: 'ok' }, KEEP);
      expect((await small.read('a', KEEP, { since: 0 })).events.map((e) => e.offset)).to.deep.equal([3]);
      expect((await small.read('a', KEEP, { since: 1 })).complete).to.equal(false);
      expect((await small.read('a', KEEP, { since: 2 })).complete).to.equal(true);
    } finally {
      await small.close();
    }
  });

  it('with size 0 keeps no event but still counts offsets', async () => {
    const none = { size: 0, ttl: 300 };
    await store.append('a', { event: 'e', data: 1 }, none);
    const second = await store.append('a', { event: 'e', data: 2 }, none);
    expect(second.offset).to.equal(2);
    const read = await store.read('a', none, { since: 1 });
    expect(read.events).to.deep.equal([]);
    expect(read.complete).to.equal(false);
  });
});
