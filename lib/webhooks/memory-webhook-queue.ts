import type { QueuedEntry, WebhookEntry, WebhookQueue } from './webhook-queue.js';
import type { DropReporter } from './drop-reporter.js';

/** What a {@link MemoryWebhookStore} needs. */
export interface MemoryWebhookStoreOptions {
  /** Most entries waiting (not taken); past it the oldest are dropped (`queue_full`). */
  maxWaiting: number;
  /** A consumer that neither took nor touched for this long (ms) loses what it holds. */
  claimAfter: number;
  drops: DropReporter;
}

interface Consumer {
  readonly held: Map<string, QueuedEntry>;
  aliveUntil: number;
}

/**
 * The entries of one process's webhook queue: waiting ones in order, and what each consumer
 * holds. One node has one consumer; the store keeps the consumer model anyway so that the memory
 * and Redis queues have one contract, and a test can stop a consumer and watch another one take
 * over what it held.
 */
export class MemoryWebhookStore {
  /** Oldest first; ids are increasing numbers, so that put-back entries find their place. */
  private waiting: QueuedEntry[] = [];
  private readonly consumers = new Map<string, Consumer>();
  private sequence = 0;

  constructor(private readonly options: MemoryWebhookStoreOptions) {}

  push(entries: readonly WebhookEntry[]): void {
    for (const entry of entries) {
      this.sequence += 1;
      this.waiting.push({ id: String(this.sequence), entry });
    }
    const over = this.waiting.length - this.options.maxWaiting;
    if (over <= 0) return;
    for (const dropped of this.waiting.splice(0, over)) this.options.drops.drop('queue_full', dropped.entry.appId, 1, { where: 'queue' });
  }

  take(consumer: string, max: number): QueuedEntry[] {
    const now = Date.now();
    this.reclaim(consumer, now);
    const self = this.alive(consumer, now);
    const taken = this.waiting.splice(0, Math.max(0, max));
    for (const queued of taken) self.held.set(queued.id, queued);
    return taken;
  }

  ack(consumer: string, ids: readonly string[]): void {
    const held = this.consumers.get(consumer)?.held;
    for (const id of ids) held?.delete(id);
  }

  release(consumer: string, ids: readonly string[]): void {
    const held = this.consumers.get(consumer)?.held;
    if (held === undefined) return;
    const back: QueuedEntry[] = [];
    for (const id of ids) {
      const queued = held.get(id);
      if (queued === undefined) continue;
      held.delete(id);
      back.push(queued);
    }
    this.putBack(back);
  }

  touch(consumer: string, ids: readonly string[]): string[] {
    const self = this.alive(consumer, Date.now());
    return ids.filter((id) => !self.held.has(id));
  }

  /** Puts the entries of every other consumer that went quiet back in front of the queue. */
  private reclaim(taker: string, now: number): void {
    for (const [name, consumer] of this.consumers) {
      if (name === taker || consumer.aliveUntil > now) continue;
      this.consumers.delete(name);
      this.putBack([...consumer.held.values()]);
    }
  }

  private alive(name: string, now: number): Consumer {
    let consumer = this.consumers.get(name);
    if (consumer === undefined) {
      consumer = { held: new Map(), aliveUntil: 0 };
      this.consumers.set(name, consumer);
    }
    consumer.aliveUntil = now + this.options.claimAfter;
    return consumer;
  }

  /** Entries go back in id order, before everything that was queued after them. */
  private putBack(entries: QueuedEntry[]): void {
    if (entries.length === 0) return;
    this.waiting = [...entries, ...this.waiting].sort((a, b) => Number(a.id) - Number(b.id));
  }
}

/** A consumer of a {@link MemoryWebhookStore}: the webhook queue of a single node. */
export class MemoryWebhookQueue implements WebhookQueue {
  readonly durable = false;

  constructor(
    private readonly store: MemoryWebhookStore,
    readonly consumer = 'local',
  ) {}

  async push(entries: readonly WebhookEntry[]): Promise<void> {
    this.store.push(entries);
  }

  async take(max: number): Promise<QueuedEntry[]> {
    return this.store.take(this.consumer, max);
  }

  async ack(ids: readonly string[]): Promise<void> {
    this.store.ack(this.consumer, ids);
  }

  async release(ids: readonly string[]): Promise<void> {
    this.store.release(this.consumer, ids);
  }

  async touch(ids: readonly string[]): Promise<string[]> {
    return this.store.touch(this.consumer, ids);
  }

  async close(): Promise<void> {}
}
