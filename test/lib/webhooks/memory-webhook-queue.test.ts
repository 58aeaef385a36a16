import { MemoryWebhookQueue, MemoryWebhookStore } from '../../../lib/webhooks/memory-webhook-queue.js';
import { describeWebhookQueueContract } from './webhook-queue-contract.js';

describeWebhookQueueContract('memory', {
  async open(options) {
    const store = new MemoryWebhookStore(options);
    return (consumer) => new MemoryWebhookQueue(store, consumer);
  },
});
