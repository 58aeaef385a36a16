import type { ChannelGrant } from '../tokens/verify-channel-token.js';
import type { Connection } from './connection.js';

/**
 * What each connection's channel tokens granted, per channel it subscribed to with one: the
 * `publish` command reads it. Held beside the connection (a WeakMap), so it goes with it; a
 * subscribe replaces or clears the channel's grant, an unsubscribe clears it.
 */
export class ChannelGrants {
  private readonly byConnection = new WeakMap<Connection, Map<string, ChannelGrant>>();

  /** Records the grant of a subscription made with a token, or clears it (`undefined`: no token). */
  set(connection: Connection, channel: string, grant: ChannelGrant | undefined): void {
    let grants = this.byConnection.get(connection);
    if (grant === undefined) {
      grants?.delete(channel);
      return;
    }
    if (grants === undefined) this.byConnection.set(connection, (grants = new Map()));
    grants.set(channel, grant);
  }

  /** The grant of the connection's subscription to `channel`, if it was made with a token. */
  get(connection: Connection, channel: string): ChannelGrant | undefined {
    return this.byConnection.get(connection)?.get(channel);
  }
}
