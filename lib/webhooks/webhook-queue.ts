import { z } from 'zod';
import { appIdSchema } from '../apps/app.js';
import { webhookEventSchema } from './webhook-event.js';

/**
 * One event on its way to one webhook of one app. The webhook is named by its position in the
 * app's list and its URL, so that a list edited meanwhile cannot send the event to a URL that
 * did not ask for it (see `findWebhook`).
 */
export const webhookEntrySchema = z.strictObject({
  appId: z.union([appIdSchema, z.literal('default')]),
  webhook: z.number().int().min(0),
  url: z.string().min(1),
  event: webhookEventSchema,
  /** When the event was queued (ms since the epoch): the retry window counts from here. */
  queuedAt: z.number().int().min(0),
});
export type WebhookEntry = z.infer<typeof webhookEntrySchema>;

/** An entry handed to a consumer, with the id that acknowledges it. */
export interface QueuedEntry {
  readonly id: string;
  readonly entry: WebhookEntry;
}

/**
 * Where webhook events wait until a node delivers them: the durability seam. Each event is taken
 * by exactly one consumer at a time; a consumer that stops touching what it holds (a node killed
 * with SIGKILL) loses it to another consumer once `claimAfter` passes, so nothing that was due is
 * lost and, once acknowledged, nothing is delivered again. Order is first in, first out.
 *
 * One instance is one consumer (one node). The memory implementation serves one process; the
 * Redis one is shared by every node of a cluster.
 */
export interface WebhookQueue {
  /** This consumer's name (the node id), unique among the consumers of one queue. */
  readonly consumer: string;
  /** Whether entries outlive this process (Redis) or go with it (memory). */
  readonly durable: boolean;
  /**
   * Adds entries at the tail. When more than the queue's bound are waiting (not yet taken), the
   * oldest waiting ones are dropped and counted.
   */
  push(entries: readonly WebhookEntry[]): Promise<void>;
  /**
   * Up to `max` entries, oldest first, now held by this consumer: the waiting ones, after the
   * entries of consumers that stopped touching theirs for `claimAfter` are put back in front.
   */
  take(max: number): Promise<QueuedEntry[]>;
  /** Done with these (delivered or given up on): they are never handed out again. */
  ack(ids: readonly string[]): Promise<void>;
  /** Puts held entries back in front of the queue, for any consumer to take at once. */
  release(ids: readonly string[]): Promise<void>;
  /**
   * Tells the queue this consumer is alive, so that what it holds stays its own. Answers the ids
   * among `ids` it no longer holds (claimed by another consumer after a stall): stop working on
   * those.
   */
  touch(ids: readonly string[]): Promise<string[]>;
  /** Stops using the queue; held entries stay held until released or claimed. */
  close(): Promise<void>;
}
