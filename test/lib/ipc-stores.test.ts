import { expect } from 'chai';
import type { Member, PresenceChange } from '../../lib/presence/presence-store.js';
import { IpcBroker } from '../../lib/ipc/ipc-broker.js';
import { IpcPresenceStore } from '../../lib/ipc/ipc-presence-store.js';
import { IpcHistoryStore, IpcIdempotencyStore, IpcReplayStore } from '../../lib/ipc/ipc-stores.js';
import { MemoryHistoryStore } from '../../lib/history/memory-history-store.js';
import { LoopbackCluster } from '../helpers/ipc-links.js';
import { randomUUID } from 'node:crypto';
import { IpcExclusiveChannelStore } from '../../lib/channel-rules/ipc-exclusive-channel-store.js';
import { IpcOccupancyStore } from '../../lib/ipc/ipc-occupancy-store.js';
import { IpcSubscriberCountStore } from '../../lib/ipc/ipc-count-store.js';
import { describeCountStoreContract, freshCountChannel } from './count-store-contract.js';
import type { ChannelTotal } from '../../lib/counts/subscriber-count-store.js';
import { describeExclusiveChannelContract } from './channel-rules/exclusive-channel-contract.js';
import { describeOccupancyContract, freshOccupancyName } from './occupancy-contract.js';
import { describeBrokerContract } from './broker-contract.js';
import { describeHistoryContract } from './history-contract.js';
import { describeNamespaceContract } from './namespace-contract.js';
import { describePresenceContract, freshPresenceChannel, member } from './presence-contract.js';
import { describeReplayContract } from './replay-store-contract.js';

// Workers of one machine share the primary's stores and broker over IPC (lib/cluster): every
// contract the memory and Redis implementations pass, these pass too, several workers at once.
describe('cluster (workers over IPC)', () => {
  const cluster = new LoopbackCluster();

  describeBrokerContract('workers over IPC', {
    multiNode: true,
    createNode: async () => {
      const { link, rpc } = cluster.worker();
      return new IpcBroker(link, rpc);
    },
  });

  describePresenceContract('workers over IPC', async () => {
    const { link, rpc } = cluster.worker();
    return new IpcPresenceStore(link, rpc);
  });

  describeHistoryContract('workers over IPC', () => ({
    createStore: async () => new IpcHistoryStore(cluster.worker().rpc),
    loseEverything: async () => {
      cluster.stores.history = new MemoryHistoryStore({ maxMemoryBytes: 10_000_000, metaTtl: 3600 });
    },
  }));

  describeReplayContract('workers over IPC', () => ({
    createStore: async () => new IpcReplayStore(cluster.worker().rpc),
    shared: true,
  }));

  describeNamespaceContract('workers over IPC', {
    multiNode: true,
    createNode: async () => {
      const { link, rpc } = cluster.worker();
      return { broker: new IpcBroker(link, rpc), presence: new IpcPresenceStore(link, rpc), history: new IpcHistoryStore(rpc), idempotency: new IpcIdempotencyStore(rpc) };
    },
  });

  describeOccupancyContract('workers over IPC', async () => {
    const { link, rpc } = cluster.worker();
    return new IpcOccupancyStore(link, rpc);
  });

  describeCountStoreContract(
    'workers over IPC',
    async () => {
      const { link, rpc } = cluster.worker();
      return new IpcSubscriberCountStore(link, rpc);
    },
    { shared: true },
  );

  it("sums subscriber counts over every worker; a dead worker's are dropped and the totals reported by one live worker", async () => {
    const machine = new LoopbackCluster();
    const [one, two, three] = [machine.worker(), machine.worker(), machine.worker()];
    const [a, b, c] = [one, two, three].map(({ link, rpc }) => new IpcSubscriberCountStore(link, rpc)) as [IpcSubscriberCountStore, IpcSubscriberCountStore, IpcSubscriberCountStore];
    const reports: ChannelTotal[][] = [];
    const reported = new Promise<void>((resolve) => {
      for (const store of [b, c])
        store.onChanged((totals) => {
          reports.push(totals);
          resolve();
        });
    });
    const channel = freshCountChannel();
    await a.set(channel, 2);
    const before = await b.set(channel, 1);
    expect(before.total).to.equal(3);
    await machine.kill(one.index);
    await reported;
    expect(reports).to.have.length(1);
    expect(reports[0]!.map(({ channel: name, total }) => ({ channel: name, total }))).to.deep.equal([{ channel, total: 1 }]);
    expect(reports[0]![0]!.version).to.be.greaterThan(before.version);
    expect((await c.set(channel, 1)).total).to.equal(2);
  });

  describeExclusiveChannelContract('workers over IPC', async () => {
    const nodeId = randomUUID();
    return { store: new IpcExclusiveChannelStore(cluster.worker().rpc, nodeId), nodeId };
  });

  it('decides occupancy over every worker; a dead worker\'s channels are reported empty by one live worker', async () => {
    const machine = new LoopbackCluster();
    const [one, two, three] = [machine.worker(), machine.worker(), machine.worker()];
    const [a, b, c] = [one, two, three].map(({ link, rpc }) => new IpcOccupancyStore(link, rpc)) as [IpcOccupancyStore, IpcOccupancyStore, IpcOccupancyStore];
    const reaped = new Promise<{ worker: string; channels: string[] }>((resolve) => {
      for (const [worker, store] of [['b', b], ['c', c]] as const) store.onReaped((channels) => resolve({ worker, channels }));
    });
    const [shared, alone] = [freshOccupancyName('shared'), freshOccupancyName('alone')];
    expect(await a.occupy(shared, 60_000)).to.equal('new');
    expect(await b.occupy(shared, 60_000), 'another worker has subscribers already').to.equal('none');
    expect(await a.occupy(alone, 60_000)).to.equal('new');
    expect(await b.vacate(shared, 't-b'), 'a still has subscribers').to.equal(false);
    await machine.kill(one.index);
    // Only `alone` was a's alone (b left `shared` before; a was its last).
    const report = await reaped;
    expect(report.channels.sort()).to.deep.equal([alone, shared].sort());
    expect(await c.occupy(alone, 60_000), 'empty, nothing pending').to.equal('new');
  });

  it('counts exclusive places over every worker and gives a dead worker\'s back', async () => {
    const machine = new LoopbackCluster();
    const [one, two] = [machine.worker(), machine.worker()];
    const a = new IpcExclusiveChannelStore(one.rpc, 'node-a');
    const b = new IpcExclusiveChannelStore(two.rpc, 'node-b');
    expect(await a.claim('app', 'duel', 's1', 1, 'reject')).to.deep.equal({ admitted: true, evicted: [] });
    expect(await b.claim('app', 'duel', 's2', 1, 'reject'), 'the place is taken on another worker').to.deep.equal({ admitted: false, evicted: [] });
    await machine.kill(one.index);
    expect(await b.holders('app', 'duel')).to.deep.equal([]);
    expect(await b.claim('app', 'duel', 's2', 1, 'reject')).to.deep.equal({ admitted: true, evicted: [] });
    expect(await b.releaseNode('node-b')).to.equal(1);
  });

  it('shares idempotency keys between workers', async () => {
    const a = new IpcIdempotencyStore(cluster.worker().rpc);
    const b = new IpcIdempotencyStore(cluster.worker().rpc);
    expect(await a.claim('ch', 'key-1')).to.deep.equal({ first: true });
    expect(await b.claim('ch', 'key-1')).to.deep.equal({ first: false });
    await a.complete('ch', 'key-1', 201);
    expect(await b.claim('ch', 'key-1')).to.deep.equal({ first: false, status: 201 });
    await a.claim('ch', 'key-2');
    await a.release('ch', 'key-2');
    expect(await b.claim('ch', 'key-2')).to.deep.equal({ first: true });
  });

  it('several workers see one presence roster; a dead worker\'s members leave and a live worker announces each once', async () => {
    const cluster = new LoopbackCluster();
    const one = cluster.worker();
    const two = cluster.worker();
    const three = cluster.worker();
    const stores = [one, two, three].map(({ link, rpc }) => new IpcPresenceStore(link, rpc));
    // The first change announced, by whichever worker: it must be bob's quit, on worker two's
    // death, and nothing before it (alice keeps a connection on worker three).
    const announced = new Promise<{ worker: number; change: PresenceChange }>((resolve) => {
      stores.forEach((store, worker) => store.onChange((change) => resolve({ worker, change })));
    });
    const channel = freshPresenceChannel();
    const alice: Member = member('alice');
    const bob: Member = member('bob');
    expect((await stores[0]!.join(channel, 'u:alice', alice, 'c1')).first).to.equal(true);
    // Alice on a second worker too: she stays while one of her connections does.
    expect((await stores[2]!.join(channel, 'u:alice', alice, 'c3')).first).to.equal(false);
    expect((await stores[1]!.join(channel, 'u:bob', bob, 'c2')).members).to.have.deep.members([alice, bob]);
    expect(await stores[2]!.members(channel)).to.have.deep.members([alice, bob]);

    await cluster.kill(one.index);
    expect(await stores[1]!.members(channel), 'alice still has c3').to.have.deep.members([alice, bob]);

    await cluster.kill(two.index);
    expect(await stores[2]!.members(channel)).to.deep.equal([alice]);
    expect(await announced).to.deep.equal({ worker: 2, change: { channel, kind: 'quit', member: bob } });
  });
});
