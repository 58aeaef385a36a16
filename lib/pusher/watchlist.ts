import { INTERNAL_CHANNEL_PREFIX } from '../channels/internal-channels.js';
import { encodeStringDataFrame } from './frames.js';

/**
 * Pusher watchlists (pusher-js `pusher.user.watchlist`): a signed-in user's `user_data` names up
 * to {@link MAX_WATCHLIST_IDS} user ids, and the user's sockets are told when one of them comes
 * online (its first signed-in socket anywhere in the cluster) or goes offline (its last).
 *
 * Who is online is the presence of one internal channel per app, {@link WATCHLIST_CHANNEL}:
 * every signed-in Pusher socket joins it silently as a member keyed by its user id, so the
 * channel core's cluster-wide presence (Redis, dead-node purge) decides online and offline, with
 * no store of its own. Its member changes reach every signed-in socket of the app on each node
 * as one {@link WatchFrame}, which each socket checks against its own watchlist.
 */

/** The app's presence of signed-in users. Internal: no client can subscribe, list or count it. */
export const WATCHLIST_CHANNEL = `${INTERNAL_CHANNEL_PREFIX}pusher-watchlist`;

/** Most user ids one watchlist may hold (Pusher's limit); more refuse the sign-in with 4302. */
export const MAX_WATCHLIST_IDS = 100;

/** Event pusher-js's watchlist facade listens for on the connection (`src/core/watchlist.ts`). */
const WATCHLIST_EVENT = 'pusher_internal:watchlist_events';

/** The watchlist event frame telling that `userIds` went `name`: data is a JSON string, as pusher-js parses it. */
export function encodeWatchlistEvent(name: 'online' | 'offline', userIds: readonly string[]): string {
  return encodeStringDataFrame(WATCHLIST_EVENT, { events: [{ name, user_ids: userIds }] });
}

/**
 * A user of the app came online or went offline: what the encoder makes, once per change for
 * all of a node's signed-in sockets, of a member change of {@link WATCHLIST_CHANNEL}. Not sent
 * as such: a socket sends its `text` only when it watches `userId`.
 */
export class WatchFrame {
  /** The frame to send, encoded once for every socket that watches the user. */
  readonly text: string;

  constructor(
    readonly userId: string,
    name: 'online' | 'offline',
  ) {
    this.text = encodeWatchlistEvent(name, [userId]);
  }
}
