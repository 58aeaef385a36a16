import type { AppWebhook } from '../apps/app.js';
import type { WebhookEvent } from './webhook-event.js';

/**
 * Whether one webhook of an app takes this event: its kind is in the webhook's `events` list (no
 * list: every kind) and its channel passes the webhook's `filter` (prefix and suffix both, when
 * both are given). Deciding this per webhook, before anything is queued, is what keeps a filtered
 * webhook's payload free of the events it filtered out.
 */
export function webhookWants(webhook: AppWebhook, event: WebhookEvent): boolean {
  if (webhook.events !== undefined && !webhook.events.includes(event.name)) return false;
  const filter = webhook.filter;
  if (filter === undefined) return true;
  if (filter.channelPrefix !== undefined && !event.channel.startsWith(filter.channelPrefix)) return false;
  if (filter.channelSuffix !== undefined && !event.channel.endsWith(filter.channelSuffix)) return false;
  return true;
}

/** The positions, in `webhooks`, of the webhooks that take this event. */
export function routeEvent(webhooks: readonly AppWebhook[], event: WebhookEvent): number[] {
  const targets: number[] = [];
  webhooks.forEach((webhook, index) => {
    if (webhookWants(webhook, event)) targets.push(index);
  });
  return targets;
}
