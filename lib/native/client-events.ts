import { channelKind } from '../channels/channel-policy.js';
import { PushyError } from '../errors.js';
import { TokenBucket } from '../token-bucket.js';
import type { Connection } from './connection.js';

/** What {@link ClientEventGate} is built from (`clientEvents.*`). */
export interface ClientEventOptions {
  enabled: boolean;
  /** Events per second per connection, and the burst. */
  perSecond: number;
  /** Clock in ms (tests pass a fake one). */
  now?: () => number;
}

/** True for an event name a client sends to its peers (Pusher's rule: `client-` first). */
export function isClientEvent(event: string): boolean {
  return event.startsWith('client-');
}

/**
 * The rule of client events: only when turned on, only on private and presence channels (their
 * subscribers were authorised, so a stranger cannot inject), and at most `perSecond` per
 * connection (a bucket per connection, kept beside it in a WeakMap so that it goes with it).
 */
export class ClientEventGate {
  private readonly buckets = new WeakMap<Connection, TokenBucket>();
  private readonly now: () => number;

  constructor(private readonly options: ClientEventOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Throws the refusal of a client event on `channel` from `connection`, or takes one of its tokens. */
  admit(connection: Connection, channel: string): void {
    if (!this.options.enabled) throw new PushyError('CLIENT_EVENTS_DISABLED');
    if (channelKind(channel) === 'public') {
      throw new PushyError('CLIENT_EVENTS_DISABLED', 'Client events are only taken on private and presence channels');
    }
    let bucket = this.buckets.get(connection);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.options.perSecond, this.options.perSecond, this.now);
      this.buckets.set(connection, bucket);
    }
    if (!bucket.take()) throw new PushyError('CLIENT_EVENTS_RATE_LIMITED');
  }
}
