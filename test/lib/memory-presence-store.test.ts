import { MemoryPresenceStore } from '../../lib/presence/presence-store.js';
import { describePresenceContract } from './presence-contract.js';

describePresenceContract('memory', async () => new MemoryPresenceStore());
