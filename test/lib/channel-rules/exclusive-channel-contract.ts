import { expect } from 'chai';
import type { ExclusiveChannelStore } from '../../../lib/channel-rules/exclusive-channel-store.js';

let counter = 0;
/** A channel no other test uses (suites may share one Redis). */
export function freshChannel(): string {
  counter += 1;
  return `game-${process.pid}-${Date.now()}-${counter}`;
}

/** What a store is made of for one test: the store and the node it claims for. */
export interface ContractStore {
  store: ExclusiveChannelStore;
  nodeId: string;
}

/** What every exclusive channel store does, on one node. */
export function describeExclusiveChannelContract(name: string, createStore: () => Promise<ContractStore>): void {
  describe(`ExclusiveChannelStore contract: ${name}`, () => {
    let store: ExclusiveChannelStore;
    let nodeId: string;
    beforeEach(async () => {
      ({ store, nodeId } = await createStore());
    });
    afterEach(async () => {
      await store.close();
    });

    it('admits up to the limit and then refuses newcomers (onFull "reject")', async () => {
      const channel = freshChannel();
      expect(await store.claim('app', channel, 's1', 2, 'reject')).to.deep.equal({ admitted: true, evicted: [] });
      expect(await store.claim('app', channel, 's2', 2, 'reject')).to.deep.equal({ admitted: true, evicted: [] });
      expect(await store.claim('app', channel, 's3', 2, 'reject')).to.deep.equal({ admitted: false, evicted: [] });
      expect(await store.holders('app', channel)).to.deep.equal(['s1', 's2']);
    });

    it('gives the oldest holder\'s place to a newcomer (onFull "replace")', async () => {
      const channel = freshChannel();
      await store.claim('app', channel, 's1', 1, 'replace');
      expect(await store.claim('app', channel, 's2', 1, 'replace')).to.deep.equal({ admitted: true, evicted: ['s1'] });
      expect(await store.claim('app', channel, 's3', 1, 'replace')).to.deep.equal({ admitted: true, evicted: ['s2'] });
      expect(await store.holders('app', channel)).to.deep.equal(['s3']);
    });

    it('evicts as many of the oldest as needed when the limit went down (a config change)', async () => {
      const channel = freshChannel();
      for (const id of ['s1', 's2', 's3', 's4']) await store.claim('app', channel, id, 4, 'reject');
      expect(await store.claim('app', channel, 's5', 2, 'replace')).to.deep.equal({ admitted: true, evicted: ['s1', 's2', 's3'] });
      expect(await store.holders('app', channel)).to.deep.equal(['s4', 's5']);
    });

    it('a holder claiming again keeps its place and its age', async () => {
      const channel = freshChannel();
      await store.claim('app', channel, 's1', 2, 'replace');
      await store.claim('app', channel, 's2', 2, 'replace');
      expect(await store.claim('app', channel, 's1', 2, 'replace')).to.deep.equal({ admitted: true, evicted: [] });
      expect(await store.claim('app', channel, 's3', 2, 'replace')).to.deep.equal({ admitted: true, evicted: ['s1'] });
    });

    it('frees a released place; releasing what is not held changes nothing', async () => {
      const channel = freshChannel();
      await store.claim('app', channel, 's1', 1, 'reject');
      await store.release('app', channel, 'nobody');
      await store.release('app', freshChannel(), 's1');
      expect((await store.claim('app', channel, 's2', 1, 'reject')).admitted).to.equal(false);
      await store.release('app', channel, 's1');
      expect(await store.holders('app', channel)).to.deep.equal([]);
      expect((await store.claim('app', channel, 's2', 1, 'reject')).admitted).to.equal(true);
    });

    it('keeps apps apart: the same channel name in two apps has two sets of places', async () => {
      const channel = freshChannel();
      expect((await store.claim('app-a', channel, 's1', 1, 'reject')).admitted).to.equal(true);
      expect((await store.claim('app-b', channel, 's2', 1, 'reject')).admitted).to.equal(true);
      expect(await store.holders('app-a', channel)).to.deep.equal(['s1']);
    });

    it('never admits more than the limit to concurrent claims', async () => {
      const channel = freshChannel();
      const ids = Array.from({ length: 30 }, (_, i) => `s${i}`);
      const results = await Promise.all(ids.map((id) => store.claim('app', channel, id, 3, 'reject')));
      expect(results.filter((result) => result.admitted)).to.have.length(3);
      expect(await store.holders('app', channel)).to.have.length(3);
    });

    it('gives back every place of a node (a dead node, or this one at shutdown), and only that node\'s', async () => {
      const [a, b] = [freshChannel(), freshChannel()];
      await store.claim('app', a, 's1', 1, 'reject');
      await store.claim('app', b, 's2', 5, 'reject');
      await store.claim('app', b, 's3', 5, 'reject');
      await store.release('app', b, 's3');
      expect(await store.releaseNode('another-node')).to.equal(0);
      expect(await store.holders('app', a)).to.deep.equal(['s1']);
      expect(await store.releaseNode(nodeId)).to.equal(2);
      expect(await store.holders('app', a)).to.deep.equal([]);
      expect(await store.holders('app', b)).to.deep.equal([]);
      expect(await store.releaseNode(nodeId)).to.equal(0);
    });

    it('refuses an empty subscriber id or a limit below 1 (a bug in the caller)', async () => {
      for (const [id, limit] of [['', 1], ['s', 0], ['s', 1.5], ['s', Number.NaN]] as const) {
        let thrown: unknown;
        try {
          await store.claim('app', freshChannel(), id, limit, 'reject');
        } catch (error) {
          thrown = error;
        }
        expect(thrown, `${id} ${limit}`).to.be.instanceOf(TypeError);
      }
    });
  });
}
