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
 * The broker, presence, history, signature replay and namespace contract suites, each against
 * adapters that `createAdapter` built for one Redis topology (shards, cluster): the stores as
 * a node really wires them.
 */
export function describeTopologyContracts(name: string, harness: TopologyHarness): void {
  describeBrokerContract(name, { multiNode: true, createNode: async () => (await harness.node()).broker, ...(harness.outage ? { outage: harness.outage } : {}) });
  describePresenceContract(name, async () => (await harness.node()).presence);
  describeHistoryContract(name, () => ({ createStore: async () => (await harness.node()).history, loseEverything: () => harness.loseEverything() }));
  describeReplayContract(name, () => ({ shared: true, createStore: async () => (await harness.node()).replays }));
  describeNamespaceContract(name, { multiNode: true, createNode: () => harness.node() });
}
