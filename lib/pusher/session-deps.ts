import type { App } from '../apps/app.js';
import type { KeyMatch } from '../apps/app-index.js';
import type { Broker } from '../broker/broker.js';
import type { ChannelManager } from '../channels/channel-manager.js';
import type { HistoryStore } from '../history/history-store.js';
import type { RetentionPolicy } from '../history/retention.js';
import type { Logger } from '../logger.js';
import type { WebhookEvent } from '../webhooks/webhook-event.js';
import type { SubscriptionCounts } from './subscription-counts.js';

/** What the Pusher front end needs of the apps: lookups by key, with rotation (an `AppDirectory` is one). */
export interface PusherApps {
  /** The app one of whose keys is `key`, expired or not. */
  getByKey(key: string): App | undefined;
  /** The app and secret of a live key at `now`. */
  findSecret(key: string, now?: number): KeyMatch | undefined;
  /** The app with this id. */
  get(id: string): App | undefined;
}

/** The webhooks a client event is reported to (optional: absent, none are sent). */
export interface PusherWebhooks {
  emit(appId: string, event: WebhookEvent): void;
}

/** What every Pusher session of a node shares. */
export interface PusherSessionDeps {
  apps: PusherApps;
  channels: ChannelManager;
  /** Client events and terminations go straight to the broker: they are not history. */
  broker: Broker;
  /** Where a `cache-` channel's last event is read from (the last one triggered, kept with the channel's retention). */
  history: HistoryStore;
  retention: RetentionPolicy;
  logger: Logger;
  /** Largest `channel_data` of a presence subscribe, in bytes. */
  maxPresenceDataBytes: number;
  webhooks?: PusherWebhooks;
  /** Subscription counts of the apps that opt in (absent: none are sent). */
  counts?: SubscriptionCounts;
}
