import { MemoryPresenceStore } from '../../lib/channels/presence-store.js';
import { describePresenceContract } from './presence-contract.js';

describePresenceContract('memory', async () => new MemoryPresenceStore());
