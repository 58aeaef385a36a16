import { expect } from 'chai';
import sinon from 'sinon';
import type { HistoryStore } from '../../lib/history/history-store.js';
import { jsonText, RawJson } from '../../lib/raw-json.js';

/** How a contract run gets stores. */
export interface HistoryContractSetup {
  /** A fresh store; stores created by one test share their backend (one Redis, say). */
  createStore(): Promise<HistoryStore>;
  /** Makes the backend lose every channel's counter (a memory restart, a Redis flush). */
  loseEverything(): Promise<void>;
}

const KEEP = { size: 100, ttl: 300 };
let unique = 0;
/** A channel name no other test of the run uses (Redis state outlives a test). */
const fresh = (name: string): string => `${name}-${process.pid}-${(unique += 1)}`;

/** What every history store must do: the memory one and the Redis one run it. */
export function describeHistoryContract(name: string, setup: () => HistoryContractSetup): void {
  describe(`history store contract: ${name}`, () => {
    let store: HistoryStore;
    let clock: sinon.SinonFakeTimers | undefined;
    beforeEach(async () => {
      store = await setup().createStore();
    });
    afterEach(async () => {
      clock?.restore();
      clock = undefined;
      await store.close();
    });

    it('numbers a channel’s events 1, 2, 3… in one epoch, each channel on its own', async () => {
      const a = fresh('a');
      const b = fresh('b');
      const positions = [];
      for (let i = 0; i < 3; i += 1) positions.push(await store.append(a, { event: 'e', data: i }, KEEP));
      expect(positions.map((p) => p.offset)).to.deep.equal([1, 2, 3]);
      expect(new Set(positions.map((p) => p.epoch)).size).to.equal(1);
      expect((await store.append(b, { event: 'e', data: 0 }, KEEP)).offset).to.equal(1);
    });

    it('reads the events after an offset in order, with their name, data and time, up to a limit', async () => {
      const channel = fresh('read');
      for (let i = 1; i <= 6; i += 1) await store.append(channel, { event: `e${i}`, data: { i, nested: [i] } }, KEEP);
      const read = await store.read(channel, KEEP, { since: 3 });
      expect(read).to.include({ offset: 6, complete: true });
      // A store may give the data back as its JSON text (a RawJson): compare the values.
      expect(read.events.map((e) => [e.offset, e.event, JSON.parse(jsonText(e.data)!)])).to.deep.equal([
        [4, 'e4', { i: 4, nested: [4] }],
        [5, 'e5', { i: 5, nested: [5] }],
        [6, 'e6', { i: 6, nested: [6] }],
      ]);
      expect(read.events[0]!.timestamp).to.be.a('number');
      expect((await store.read(channel, KEEP, { since: 0, limit: 2 })).events.map((e) => e.offset)).to.deep.equal([1, 2]);
      expect((await store.read(channel, KEEP)).events, 'no since: position only').to.deep.equal([]);
    });

    it('keeps data given as JSON text (a RawJson) byte for byte', async () => {
      const channel = fresh('raw');
      const text = '{"big":12345678901234567890, "n" : 1.50,"s":"\\u00e9"}';
      await store.append(channel, { event: 'e', data: new RawJson(text) }, KEEP);
      const read = await store.read(channel, KEEP, { since: 0 });
      expect(jsonText(read.events[0]!.data)).to.equal(text);
    });

    it('reads an unused channel as offset 0 with an empty epoch that its first events continue', async () => {
      const channel = fresh('new');
      const empty = await store.read(channel, KEEP);
      expect(empty).to.include({ offset: 0, complete: true });
      expect(empty.epoch).to.be.a('string').and.not.equal('');
      expect(await store.read(channel, KEEP, { since: 0, epoch: empty.epoch }), 'still empty: nothing missed').to.deep.include({ offset: 0, events: [], complete: true });
      const first = await store.append(channel, { event: 'e1', data: null }, KEEP);
      expect(first.offset).to.equal(1);
      await store.append(channel, { event: 'e2', data: null }, KEEP);
      const read = await store.read(channel, KEEP, { since: 0, epoch: empty.epoch });
      expect(read).to.include({ offset: 2, epoch: first.epoch, complete: true });
      expect(read.events.map((e) => e.event)).to.deep.equal(['e1', 'e2']);
      expect((await store.read(channel, KEEP, { since: 1, epoch: empty.epoch })).events.map((e) => e.event)).to.deep.equal(['e2']);
    });

    it('a position in another epoch is not complete and gets no events', async () => {
      const channel = fresh('other');
      const { epoch } = await store.append(channel, { event: 'e', data: 1 }, KEEP);
      const read = await store.read(channel, KEEP, { since: 0, epoch: `${epoch}x` });
      expect(read).to.deep.include({ offset: 1, epoch, events: [], complete: false });
      expect((await store.read(channel, KEEP, { since: 0, epoch: '~forged.0' })).complete).to.equal(false);
      expect((await store.read(fresh('unused'), KEEP, { since: 0, epoch })).complete, 'a real epoch, the channel empty now').to.equal(false);
    });

    it('an empty epoch does not continue into a lifetime that began a metaTtl later', async () => {
      clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
      const channel = fresh('late');
      const empty = await store.read(channel, KEEP);
      clock.tick(3600_000);
      expect((await store.read(channel, KEEP, { since: 0, epoch: empty.epoch })).complete, 'empty for a metaTtl: a lifetime may have come and gone').to.equal(false);
      await store.append(channel, { event: 'e', data: 1 }, KEEP);
      expect((await store.read(channel, KEEP, { since: 0, epoch: empty.epoch })).complete).to.equal(false);
    });

    it('keeps at most `size` events; reading from before them is not complete', async () => {
      const channel = fresh('size');
      const small = { size: 5, ttl: 300 };
      for (let i = 0; i < 12; i += 1) await store.append(channel, { event: 'e', data: i }, small);
      const all = await store.read(channel, small, { since: 0 });
      expect(all.events.map((e) => e.offset)).to.deep.equal([8, 9, 10, 11, 12]);
      expect(all.complete).to.equal(false);
      expect((await store.read(channel, small, { since: 7 })).complete).to.equal(true);
      expect((await store.read(channel, small, { since: 6 })).complete).to.equal(false);
    });

    it('leaves out events older than `ttl`', async () => {
      clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
      const channel = fresh('ttl');
      const short = { size: 100, ttl: 60 };
      await store.append(channel, { event: 'e', data: 1 }, short);
      clock.tick(40_000);
      await store.append(channel, { event: 'e', data: 2 }, short);
      clock.tick(20_001);
      const read = await store.read(channel, short, { since: 0 });
      expect(read.events.map((e) => e.offset)).to.deep.equal([2]);
      expect(read.complete).to.equal(false);
      expect((await store.read(channel, short, { since: 1 })).complete).to.equal(true);
      clock.tick(40_000);
      expect((await store.read(channel, short, { since: 1 })).events).to.deep.equal([]);
      expect((await store.read(channel, short, { since: 1 })).complete).to.equal(false);
    });

    it('with size 0 counts offsets but keeps nothing', async () => {
      const channel = fresh('none');
      const none = { size: 0, ttl: 300 };
      await store.append(channel, { event: 'e', data: 1 }, none);
      expect((await store.append(channel, { event: 'e', data: 2 }, none)).offset).to.equal(2);
      expect((await store.read(channel, none, { since: 1 })).complete).to.equal(false);
      expect((await store.read(channel, none, { since: 2 })).complete).to.equal(true);
    });

    it('gives a channel a new epoch once its history is lost', async () => {
      const channel = fresh('lost');
      const before = await store.append(channel, { event: 'e', data: 1 }, KEEP);
      await store.close();
      await setup().loseEverything();
      store = await setup().createStore();
      const after = await store.read(channel, KEEP, { since: 1, epoch: before.epoch });
      expect(after.epoch).to.not.equal(before.epoch);
      expect(after).to.include({ offset: 0, complete: false });
      expect((await store.append(channel, { event: 'e', data: 2 }, KEEP)).epoch).to.not.equal(before.epoch);
    });

    it('an empty epoch from before a loss does not continue into the lifetime after it', async () => {
      const channel = fresh('lost-empty');
      const quiet = fresh('lost-quiet');
      const empty = await store.read(channel, KEEP);
      const emptyQuiet = await store.read(quiet, KEEP);
      await store.append(channel, { event: 'missed', data: 1 }, KEEP);
      await store.append(quiet, { event: 'missed', data: 1 }, KEEP);
      await store.close();
      await setup().loseEverything();
      store = await setup().createStore();
      await store.append(channel, { event: 'after', data: 2 }, KEEP);
      expect((await store.read(channel, KEEP, { since: 0, epoch: empty.epoch })).complete).to.equal(false);
      expect((await store.read(quiet, KEEP, { since: 0, epoch: emptyQuiet.epoch })).complete, 'empty again after the loss').to.equal(false);
    });
  });
}
