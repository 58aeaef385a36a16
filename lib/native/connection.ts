import { randomUUID } from 'node:crypto';
import { DEFAULT_APP } from '../apps/namespace.js';
import type { SubscribeOutcome, Subscriber, Subscription } from '../channels/subscriber.js';
import { EVENTS, NATIVE_ENCODER, encodeFrame, subscriptionSuccess, type FrameId } from './protocol.js';
import { CLOSES, errorBody, type ErrorBody, type PushyError } from '../errors.js';
import type { Logger } from '../logger.js';
import { countError, type TrafficCounters } from '../stats/traffic.js';
import type { TransportSocket } from '../transport/transport-socket.js';

/** Options of a {@link Connection}. */
export interface ConnectionOptions {
  /**
   * Most bytes that may wait unflushed for this client; a write past it closes the connection
   * as a slow consumer. A frame is always let onto an empty buffer, however large.
   */
  maxBufferedBytes?: number;
  /** Where the slow-consumer cut-off is reported. */
  logger?: Logger;
  /** Frames out and refusals are counted here (metrics, admin dashboard). */
  traffic?: TrafficCounters;
  /** The app whose channels the client sees (default: the default app). */
  app?: string;
}

/**
 * One client of the native protocol, and a subscriber of the channel core: the core hands it
 * frames the native encoder made. Owns its close listeners; everything that registers a listener
 * here is removed with the connection.
 */
export class Connection implements Subscriber<string> {
  /** The socket id clients sign with and triggers exclude by. */
  readonly id: string = randomUUID();
  readonly connectedAt = Date.now();
  readonly app: string;
  readonly subscriptions = new Map<string, Subscription>();
  readonly encoder = NATIVE_ENCODER;
  private closeListeners = new Set<() => void>();
  private closed = false;
  /** Set once a close was asked for: nothing more is written. */
  private closing = false;
  private readonly maxBufferedBytes: number;

  constructor(
    readonly socket: TransportSocket,
    private readonly options: ConnectionOptions = {},
  ) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? Number.POSITIVE_INFINITY;
    this.app = options.app ?? DEFAULT_APP;
  }

  /** Transport name, as reported in `pushy:connect`. */
  get protocol(): string {
    return this.socket.protocol;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Sends a frame built from its parts. */
  send(event: string, channel?: string, data?: unknown): void {
    this.sendEncoded(encodeFrame(event, channel, data));
  }

  /** Answers a subscribe with `pushy:subscription-success`; the channel's events follow. */
  subscribed(channel: string, outcome: SubscribeOutcome): void {
    this.send(EVENTS.subscriptionSuccess, undefined, subscriptionSuccess(channel, outcome));
  }

  /** Sends a frame the native encoder made for every subscriber of a channel (the fan-out path). */
  deliver(frame: string): void {
    this.sendEncoded(frame);
  }

  /** Sends a frame that was encoded once for many connections (the fan-out path). */
  sendEncoded(text: string): void {
    if (this.closed || this.closing) return;
    const buffered = this.socket.bufferedBytes();
    if (buffered > 0 && buffered + text.length > this.maxBufferedBytes) {
      this.cutOffSlowConsumer(buffered);
      return;
    }
    this.socket.write(text);
    if (this.options.traffic) this.options.traffic.framesOut += 1;
  }

  /**
   * Bytes that may still be written now without the connection being cut off as a slow consumer
   * (its buffer bound less what waits unflushed). A large batch, such as a replay of missed
   * events, is only worth sending when it fits.
   */
  bufferRoom(): number {
    if (this.closed || this.closing) return 0;
    return this.maxBufferedBytes - this.socket.bufferedBytes();
  }

  /** Sends a `pushy:error` for a refused frame (`{message, code, name}`), echoing its id. */
  sendError(error: Pick<PushyError, 'code' | 'message' | 'errorName'>, id?: FrameId): void {
    const data: ErrorBody & { id?: FrameId } = errorBody(error);
    if (id !== undefined) data.id = id;
    if (this.options.traffic) countError(this.options.traffic, 'socket', error.code);
    this.send(EVENTS.error, undefined, data);
  }

  /** Closes the socket; close listeners run when the transport reports it closed. */
  close(code = 1000, reason = 'Normal closure'): void {
    if (this.closed || this.closing) return;
    this.closing = true;
    this.socket.close(code, reason);
  }

  /** Registers a listener for the close; returns its remover. */
  onClose(listener: () => void): () => void {
    if (this.closed) {
      listener();
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Called once by the transport glue when the socket is gone. */
  markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    for (const listener of listeners) listener();
  }

  /**
   * Drops a client that does not read: what it was not sent is dropped too, so one stalled
   * client never holds more than its buffer limit and never delays the others.
   */
  private cutOffSlowConsumer(buffered: number): void {
    this.closing = true;
    this.options.logger?.warn('slow consumer cut off', { connectionId: this.id, transport: this.protocol, bufferedBytes: buffered });
    this.socket.terminate(CLOSES.SLOW_CONSUMER.code, CLOSES.SLOW_CONSUMER.reason);
  }

  /** How many close listeners are registered (leak checks). */
  get closeListenerCount(): number {
    return this.closeListeners.size;
  }
}
