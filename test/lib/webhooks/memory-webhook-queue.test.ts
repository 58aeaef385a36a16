import { MemoryWebhookQueue, MemoryWebhookStore } from '../../../lib/webhooks/memory-webhook-queue.js';
import { describeWebhookQueueContract } from './webhook-queue-contract.js';

describeWebhookQueueContract('memory', {
  async open(options) {
    const store = new MemoryWebhookStore({ maxWaiting: options.maxWaiting, claimAfter: options.claimAfter, stats: options.stats });
    return (consumer) => new MemoryWebhookQueue(store, consumer);
  },
});
