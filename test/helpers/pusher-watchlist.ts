import type { Pusher } from './pusher.js';
import { waitUntil } from './wait.js';

/** A watchlist event as pusher-js hands it to `pusher.user.watchlist.bind(...)` handlers. */
export interface WatchlistEventSeen {
  name: string;
  user_ids: string[];
}

/** Collects the `online` and `offline` watchlist events a pusher-js client gets, with a wait for the n-th. */
export function watchlistSeen(client: Pusher): { events: WatchlistEventSeen[]; until(count: number, withinMs?: number): Promise<void> } {
  const events: WatchlistEventSeen[] = [];
  const keep = (event: WatchlistEventSeen): void => {
    events.push({ name: event.name, user_ids: event.user_ids });
  };
  client.user.watchlist.bind('online', keep);
  client.user.watchlist.bind('offline', keep);
  return {
    events,
    until: (count, withinMs = 5000) => waitUntil(() => events.length >= count, withinMs, `${count} watchlist events (got ${JSON.stringify(events)})`),
  };
}

/**
 * Signs the client in and resolves once the server answered pusher-js's subscription to its
 * `#server-to-user-<id>` channel: the server handles a socket's frames in order, so by then the
 * sign-in, and the socket's place in the app's watchlist presence, are done.
 */
export function signedIn(client: Pusher, userId: string): Promise<void> {
  const userChannel = `#server-to-user-${userId}`;
  const ready = new Promise<void>((resolve) =>
    client.connection.bind('message', (message: { event: string; channel?: string }) => {
      if (message.event === 'pusher_internal:subscription_succeeded' && message.channel === userChannel) resolve();
    }),
  );
  client.signin();
  return ready;
}
