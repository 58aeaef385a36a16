import { MemoryBroker } from '../../lib/broker/memory-broker.js';
import { describeBrokerContract } from './broker-contract.js';

describeBrokerContract('memory', { multiNode: false, createNode: async () => new MemoryBroker() });
