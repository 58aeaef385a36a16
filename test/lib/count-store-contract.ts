import { expect } from 'chai';
import type { SubscriberCountStore } from '../../lib/counts/subscriber-count-store.js';

let counter = 0;
/** A channel key no other test uses (suites may share one Redis). */
export function freshCountChannel(prefix = 'counted'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now()}-${counter}`;
}

/**
 * What every subscriber count store does. `createNode` gives another node's store each call;
 * with `shared`, the nodes' stores share one cluster (their counts add up).
 */
export function describeCountStoreContract(name: string, createNode: () => Promise<SubscriberCountStore>, options: { shared: boolean }): void {
  describe(`SubscriberCountStore contract: ${name}`, () => {
    const stores: SubscriberCountStore[] = [];
    const node = async (): Promise<SubscriberCountStore> => {
      const store = await createNode();
      stores.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((store) => store.close()));
    });

    it("gives a node's own count as the total, each change with a higher version, also after the channel emptied", async () => {
      const store = await node();
      const channel = freshCountChannel();
      const first = await store.set(channel, 2);
      expect(first).to.include({ channel, total: 2 });
      const second = await store.set(channel, 1);
      expect(second.total).to.equal(1);
      const emptied = await store.set(channel, 0);
      expect(emptied.total).to.equal(0);
      const again = await store.set(channel, 1);
      expect(again.total).to.equal(1);
      expect(second.version).to.be.greaterThan(first.version);
      expect(emptied.version).to.be.greaterThan(second.version);
      expect(again.version).to.be.greaterThan(emptied.version);
    });

    it('keeps channels apart', async () => {
      const store = await node();
      const [a, b] = [freshCountChannel(), freshCountChannel()];
      await store.set(a, 3);
      expect((await store.set(b, 1)).total).to.equal(1);
      expect((await store.set(a, 4)).total).to.equal(4);
    });

    if (options.shared) {
      it("sums every node's count, and a node's 0 takes only its own out", async () => {
        const [a, b] = [await node(), await node()];
        const channel = freshCountChannel();
        expect((await a.set(channel, 2)).total).to.equal(2);
        expect((await b.set(channel, 3)).total).to.equal(5);
        expect((await a.set(channel, 1)).total).to.equal(4);
        expect((await b.set(channel, 0)).total).to.equal(1);
        expect((await b.set(channel, 0)).total).to.equal(1);
        expect((await a.set(channel, 0)).total).to.equal(0);
      });
    }
  });
}
