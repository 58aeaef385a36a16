import { expect } from 'chai';
import type { Adapter } from '../../../lib/adapter.js';
import { describeBrokerContract, type BrokerContractHarness } from '../broker-contract.js';
import { describeHistoryContract } from '../history-contract.js';
import { describeNamespaceContract } from '../namespace-contract.js';
import { describePresenceContract } from '../presence-contract.js';
import { describeReplayContract } from '../replay-store-contract.js';

/** What the contract suites need of a Redis topology: a node's adapter on it, and a way to lose all data. */
export interface TopologyHarness {
  node(): Promise<Adapter>;
  loseEverything(): Promise<void>;
  outage?: BrokerContractHarness['outage'];
}

/**
 * The broker, presence, history, signature replay and namespace contract suites and the
 * idempotency rules, each against
 * adapters that `createAdapter` built for one Redis topology (shards, cluster): the stores as
 * a node really wires them.
 */
export function describeTopologyContracts(name: string, harness: TopologyHarness): void {
  describeBrokerContract(name, { multiNode: true, createNode: async () => (await harness.node()).broker, ...(harness.outage ? { outage: harness.outage } : {}) });
  describePresenceContract(name, async () => (await harness.node()).presence);
  describeHistoryContract(name, () => ({ createStore: async () => (await harness.node()).history, loseEverything: () => harness.loseEverything() }));
  describeReplayContract(name, () => ({ shared: true, createStore: async () => (await harness.node()).replays }));
  describeNamespaceContract(name, { multiNode: true, createNode: () => harness.node() });

  it(`${name}: an idempotency key is claimed once across nodes, remembers its answer and is per channel`, async () => {
    const [a, b] = [await harness.node(), await harness.node()];
    const channel = `orders-${process.pid}-${Date.now()}`;
    const claims = await Promise.all([a.idempotency.claim(channel, 'k'), b.idempotency.claim(channel, 'k'), a.idempotency.claim(channel, 'k')]);
    expect(claims.filter((claim) => claim.first)).to.have.length(1);
    await a.idempotency.complete(channel, 'k', 201);
    expect(await b.idempotency.claim(channel, 'k')).to.deep.equal({ first: false, status: 201 });
    expect(await b.idempotency.claim(`${channel}-other`, 'k')).to.deep.equal({ first: true });
    await a.idempotency.release(`${channel}-other`, 'k');
    expect(await a.idempotency.claim(`${channel}-other`, 'k')).to.deep.equal({ first: true });
  });
}
