import type { Client, Notification } from 'pg';
import type { Logger } from '../../logger.js';

/** What a {@link PgListener} needs. */
export interface PgListenerOptions {
  /** A new, unconnected client (called for the first connection and for every reconnect). */
  createClient(): Client;
  /** The NOTIFY channel to LISTEN on. */
  channel: string;
  /** Called with each notification's payload. */
  onNotification(payload: string): void;
  /**
   * Called once LISTEN is in place again after the connection was lost: notifications sent in
   * between are gone, so the owner must reload what it caches.
   */
  onReconnected(): void;
  /** Where (host:port/db, never the password) the database is, for logs. */
  address: string;
  logger: Logger;
  /** First wait before reconnecting, in ms; it doubles on each failure up to `maxDelay`. */
  minDelay: number;
  maxDelay: number;
}

/**
 * One connection that LISTENs on a channel and keeps doing so: when the database goes away it
 * reconnects with backoff, LISTENs again and tells its owner to resynchronise. LISTEN needs a
 * connection of its own, outside the query pool.
 */
export class PgListener {
  private client: Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delay: number;
  private closing = false;
  private lostSince: number | undefined;

  constructor(private readonly options: PgListenerOptions) {
    this.delay = options.minDelay;
  }

  /** True while the LISTEN connection is up. */
  get connected(): boolean {
    return this.client !== undefined;
  }

  /** Connects and LISTENs; rejects when that fails (a store cannot start without it). */
  async start(): Promise<void> {
    const client = await this.connect();
    if (this.closing) await endQuietly(client);
  }

  /** Stops reconnecting and closes the connection. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const client = this.client;
    this.client = undefined;
    if (client) await endQuietly(client);
  }

  /** Opens a client and LISTENs; it becomes `this.client` in the same tick, so no 'end' is missed. */
  private async connect(): Promise<Client> {
    const client = this.options.createClient();
    // Errors also arrive as events (a terminated backend, a reset socket); without a listener
    // node would throw them. The 'end' that follows is what starts the reconnect.
    client.on('error', (error: Error) => this.options.logger.debug('app store: LISTEN connection error', { error: error.message }));
    client.on('notification', (message: Notification) => {
      if (message.channel === this.options.channel) this.options.onNotification(message.payload ?? '*');
    });
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
    } catch (error) {
      await endQuietly(client);
      throw error;
    }
    if (!this.closing) this.client = client;
    return client;
  }

  private lost(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    if (this.closing) return;
    this.lostSince = Date.now();
    this.options.logger.warn('app store: lost the PostgreSQL connection; serving cached apps and reconnecting', { address: this.options.address });
    this.schedule();
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.reconnect(), this.delay);
    this.delay = Math.min(this.delay * 2, this.options.maxDelay);
  }

  private async reconnect(): Promise<void> {
    this.timer = undefined;
    let client: Client;
    try {
      client = await this.connect();
    } catch (error) {
      if (this.closing) return;
      this.options.logger.debug('app store: reconnect failed', { address: this.options.address, error: error instanceof Error ? error.message : String(error) });
      this.schedule();
      return;
    }
    if (this.closing) {
      await endQuietly(client);
      return;
    }
    this.delay = this.options.minDelay;
    this.options.logger.info('app store: PostgreSQL connection restored', { address: this.options.address, downMs: Date.now() - (this.lostSince ?? Date.now()) });
    this.options.onReconnected();
  }
}

async function endQuietly(client: Client): Promise<void> {
  try {
    await client.end();
  } catch {
    // Ending a connection that is already broken can fail; it is closed either way.
  }
}
