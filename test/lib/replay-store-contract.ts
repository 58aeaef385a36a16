import { expect } from 'chai';
import type { SignatureReplayStore } from '../../lib/signing/replay-store.js';

/** How a contract run gets stores. */
export interface ReplayContractSetup {
  /** A fresh store; stores created by one run share their backend (one Redis, say). */
  createStore(): Promise<SignatureReplayStore>;
  /** True when two stores share what they saw (Redis: one cluster); false for one node's memory. */
  shared: boolean;
}

let unique = 0;
/** A signature no other test of the run uses (Redis state outlives a test). */
const signature = (): string => `${process.pid}-${Date.now()}-${(unique += 1)}`.padEnd(64, '0');
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** What every replay store must do: the memory one and the Redis one run it. */
export function describeReplayContract(name: string, setup: () => ReplayContractSetup): void {
  describe(`signature replay store contract: ${name}`, () => {
    let store: SignatureReplayStore;
    beforeEach(async () => {
      store = await setup().createStore();
    });
    afterEach(async () => {
      await store.close();
    });

    it('takes a signature once within its window; another signature is fresh', async () => {
      const ts = nowSeconds();
      const a = signature();
      expect(await store.claim(a, ts, ts + 600)).to.deep.equal({ fresh: true });
      expect(await store.claim(a, ts, ts + 600)).to.deep.equal({ fresh: false, reason: 'seen' });
      expect(await store.claim(signature(), ts, ts + 600)).to.deep.equal({ fresh: true });
    });

    it('gives a released signature back', async () => {
      const ts = nowSeconds();
      const a = signature();
      await store.claim(a, ts, ts + 600);
      await store.release(a);
      expect(await store.claim(a, ts, ts + 600)).to.deep.equal({ fresh: true });
    });

    it('lets exactly one of many concurrent claims of one signature through', async () => {
      const ts = nowSeconds();
      const a = signature();
      const claims = await Promise.all([...Array(20).keys()].map(() => store.claim(a, ts, ts + 600)));
      expect(claims.filter((claim) => claim.fresh)).to.have.length(1);
    });

    it('across two stores on one backend: a signature used on one is seen on the other when shared', async () => {
      const other = await setup().createStore();
      const ts = nowSeconds();
      const a = signature();
      expect((await store.claim(a, ts, ts + 600)).fresh).to.equal(true);
      expect((await other.claim(a, ts, ts + 600)).fresh).to.equal(!setup().shared);
      await other.close();
    });
  });
}
