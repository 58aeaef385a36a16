import type { WebhookEvent } from './webhook-event.js';

/** A client event, as a front end saw it. */
export interface ClientEventSeen {
  channel: string;
  event: string;
  /** The event's data as the client sent it: text passes as is, anything else is sent as JSON text. */
  data: unknown;
  socketId: string;
  /** The sender's user id, on presence channels. */
  userId?: string;
}

/**
 * What a front end tells the webhooks about: the events only a front end sees (the channel core
 * decides the others). The Pusher front end takes one from the server (`server.webhooks`);
 * each call costs one lookup for an app without webhooks, and never waits.
 */
export interface FrontEndWebhooks {
  /** A client sent a client event (`client_event`). */
  clientEvent(appId: string, seen: ClientEventSeen): void;
  /** A client subscribed to a cache channel that had no cached event (`cache_miss`). */
  cacheMiss(appId: string, channel: string): void;
}

/** The front ends' view of a node's webhooks. */
export function frontEndWebhooks(webhooks: { emit(appId: string, event: WebhookEvent): void }): FrontEndWebhooks {
  return {
    clientEvent(appId, { channel, event, data, socketId, userId }) {
      const text = typeof data === 'string' ? data : JSON.stringify(data ?? null);
      webhooks.emit(appId, { name: 'client_event', channel, event, data: text, socket_id: socketId, ...(userId === undefined ? {} : { user_id: userId }) });
    },
    cacheMiss(appId, channel) {
      webhooks.emit(appId, { name: 'cache_miss', channel });
    },
  };
}
