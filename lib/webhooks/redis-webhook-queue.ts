import type { RedisConnection } from '../redis/redis-connection.js';
import { ACK, PUSH, RELEASE, TAKE, TOUCH } from './redis-webhook-scripts.js';
import { webhookEntrySchema, type QueuedEntry, type WebhookEntry, type WebhookQueue } from './webhook-queue.js';
import type { DropReporter } from './drop-reporter.js';

/** What a {@link RedisWebhookQueue} needs. */
export interface RedisWebhookQueueDeps {
  connection: RedisConnection;
  /** This node's name among the consumers (its node id). */
  consumer: string;
  /** Most entries waiting in Redis for the whole cluster; past it the oldest are dropped (`queue_full`). */
  maxWaiting: number;
  /** A consumer that neither took nor touched for this long (ms) loses what it holds. */
  claimAfter: number;
  drops: DropReporter;
}

/**
 * Entries per script call: keeps one call (and the time Redis spends in it) short when a burst
 * is pushed or a large hold is touched.
 */
const CHUNK = 500;

/**
 * The webhook queue shared by every node through Redis (the scripts describe the layout). Each
 * entry is taken by one node; a node killed while holding entries loses them to the next node
 * that takes, once its liveness key expires (`claimAfter`). Commands fail fast with
 * `UNAVAILABLE` while Redis is away (see {@link RedisConnection.run}); the caller retries.
 */
export class RedisWebhookQueue implements WebhookQueue {
  readonly durable = true;
  readonly consumer: string;
  private readonly prefix: string;

  constructor(private readonly deps: RedisWebhookQueueDeps) {
    this.consumer = deps.consumer;
    this.prefix = deps.connection.key('');
  }

  async push(entries: readonly WebhookEntry[]): Promise<void> {
    for (let start = 0; start < entries.length; start += CHUNK) {
      const texts = entries.slice(start, start + CHUNK).map((entry) => JSON.stringify(entry));
      const dropped = (await this.deps.connection.run('webhook queue push', (redis) =>
        PUSH.run(redis, [this.prefix, this.deps.maxWaiting, ...texts]),
      )) as string[];
      for (const item of dropped) this.deps.drops.drop('queue_full', appOf(item), 1, { where: 'shared queue' });
    }
  }

  async take(max: number): Promise<QueuedEntry[]> {
    const items = (await this.deps.connection.run('webhook queue take', (redis) =>
      TAKE.run(redis, [this.prefix, this.consumer, max, this.deps.claimAfter]),
    )) as string[];
    const taken: QueuedEntry[] = [];
    const unreadable: string[] = [];
    for (const item of items) {
      const queued = parseItem(item);
      if (queued !== undefined) {
        taken.push(queued);
        continue;
      }
      // Written by something else than Pushy (or an incompatible version): never retried.
      this.deps.drops.drop('malformed', undefined, 1, { where: 'shared queue' });
      const id = /^(\d+):/.exec(item)?.[1];
      if (id !== undefined) unreadable.push(id);
    }
    if (unreadable.length > 0) await this.ack(unreadable);
    return taken;
  }

  async ack(ids: readonly string[]): Promise<void> {
    await this.inChunks(ids, 'webhook queue ack', (chunk) => (redis) => ACK.run(redis, [this.prefix, this.consumer, ...chunk]));
  }

  async release(ids: readonly string[]): Promise<void> {
    await this.inChunks(ids, 'webhook queue release', (chunk) => (redis) => RELEASE.run(redis, [this.prefix, this.consumer, ...chunk]));
  }

  async touch(ids: readonly string[]): Promise<string[]> {
    const lost: string[] = [];
    // One call even with nothing held: it is also the consumer's sign of life.
    const chunks = ids.length === 0 ? [[]] : chunked(ids);
    for (const chunk of chunks) {
      const answer = (await this.deps.connection.run('webhook queue touch', (redis) =>
        TOUCH.run(redis, [this.prefix, this.consumer, this.deps.claimAfter, ...chunk]),
      )) as string[];
      lost.push(...answer);
    }
    return lost;
  }

  /** The Redis clients belong to the adapter, which closes them. */
  async close(): Promise<void> {}

  private async inChunks(ids: readonly string[], what: string, call: (chunk: string[]) => Parameters<RedisConnection['run']>[1]): Promise<void> {
    for (const chunk of chunked(ids)) await this.deps.connection.run(what, call(chunk));
  }
}

function chunked(ids: readonly string[]): string[][] {
  const chunks: string[][] = [];
  for (let start = 0; start < ids.length; start += CHUNK) chunks.push(ids.slice(start, start + CHUNK));
  return chunks;
}

/** An item as stored ("<id>:<JSON>"), parsed and checked; undefined when it is not one. */
function parseItem(item: string): QueuedEntry | undefined {
  const match = /^(\d+):/.exec(item);
  if (match === null) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(item.slice(match[0].length));
  } catch {
    return undefined;
  }
  const parsed = webhookEntrySchema.safeParse(json);
  return parsed.success ? { id: match[1]!, entry: parsed.data } : undefined;
}

/** The app of a stored item, for counting a drop; undefined when unreadable. */
function appOf(item: string): string | undefined {
  return parseItem(item)?.entry.appId;
}
