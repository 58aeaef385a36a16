import { z } from 'zod';
import type { WebhookEventKind } from '../apps/app.js';

/**
 * The webhook events, exactly as Pusher posts them (`events` of a webhook body), for both
 * protocols. The channel core hands these to `Webhooks.emit`; the zod schemas also read them
 * back from a shared queue (Redis), which is outside input.
 */

const channel = z.string().min(1);

/** The first subscriber anywhere in the cluster arrived. */
export const channelOccupiedSchema = z.strictObject({ name: z.literal('channel_occupied'), channel });
/** The last subscriber anywhere in the cluster left. */
export const channelVacatedSchema = z.strictObject({ name: z.literal('channel_vacated'), channel });
/** A user (not a socket) joined a presence channel. */
export const memberAddedSchema = z.strictObject({ name: z.literal('member_added'), channel, user_id: z.string() });
/** A user's last socket left a presence channel. */
export const memberRemovedSchema = z.strictObject({ name: z.literal('member_removed'), channel, user_id: z.string() });
/**
 * A client sent a client event. `data` is the event's data as JSON text, as Pusher sends it;
 * `user_id` only on presence channels.
 */
export const clientEventSchema = z.strictObject({
  name: z.literal('client_event'),
  channel,
  event: z.string().min(1),
  data: z.string(),
  socket_id: z.string().min(1),
  user_id: z.string().optional(),
});
/** A client subscribed to a cache channel that had no cached event. */
export const cacheMissSchema = z.strictObject({ name: z.literal('cache_miss'), channel });
/** The number of subscriptions of a channel changed. */
export const subscriptionCountSchema = z.strictObject({
  name: z.literal('subscription_count'),
  channel,
  subscription_count: z.number().int().min(0),
});

/** Any webhook event. */
export const webhookEventSchema = z.discriminatedUnion('name', [
  channelOccupiedSchema,
  channelVacatedSchema,
  memberAddedSchema,
  memberRemovedSchema,
  clientEventSchema,
  cacheMissSchema,
  subscriptionCountSchema,
]);
export type WebhookEvent = z.infer<typeof webhookEventSchema>;

// The app model lists the kinds a webhook may ask for; the shapes here must cover exactly those.
type Covered = WebhookEvent['name'];
const sameKinds: [Covered, WebhookEventKind] extends [WebhookEventKind, Covered] ? true : never = true;
void sameKinds;
