import type { ServerResponse } from 'node:http';
import type { TransportSocket } from '../../transport/transport-socket.js';
import { TERMINATE_GRACE_MS } from '../../transport/terminate-grace.js';
import type { BatchNode, FrameBatcher, FrameSink } from '../../transport/frame-batcher.js';
import { HEARTBEAT_FRAME, OPEN_FRAME, closeFrame, messageFrame, quote, type Framing } from './sockjs-framing.js';
import type { SessionListeners } from './ws-transport.js';

// Captured at load: a test that fakes timers must not be able to stall a session.
const realSetTimeout = setTimeout;
const realClearTimeout = clearTimeout;

/**
 * One response that carries frames to a session's client: a stream (xhr-streaming,
 * eventsource) ends after `limit` bytes, a poll (xhr-polling) after one frame. The client then
 * opens the next one.
 */
export class Receiver {
  private sent = 0;
  private finished = false;
  session: HttpSession | undefined;

  constructor(
    readonly protocol: string,
    readonly framing: Framing,
    readonly response: ServerResponse,
    /** Bytes after which the response ends (1: one frame). */
    private readonly limit: number,
  ) {
    // The client went away before the response ended: the session ends at once.
    response.once('close', () => {
      if (!this.finished) this.done(false);
    });
  }

  /** Writes one frame's bytes; the response ends once it carried its share. */
  write(bytes: Buffer): void {
    if (this.finished) return;
    this.response.write(bytes);
    this.sent += bytes.length;
    if (this.sent >= this.limit) this.done(true);
  }

  /** Writes a frame given as text (`o`, `h`, `c[...]`). */
  writeFrame(frame: string): void {
    this.write(this.framing.encode(frame));
  }

  /** Bytes written but not yet taken by the network. */
  get bufferedBytes(): number {
    return this.finished ? 0 : this.response.writableLength;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** Ends the response; a session waits `disconnectDelay` for the next one (`keep`), or ends now. */
  done(keep: boolean): void {
    if (this.finished) return;
    this.finished = true;
    this.response.end();
    this.session?.receiverDone(this, keep);
  }
}

/** What a session needs from its transport. */
export interface HttpSessionOptions {
  batcher: FrameBatcher;
  /** Milliseconds a session lives without a receiver. */
  disconnectDelay: number;
  /** Called once the session is gone (bookkeeping). */
  onGone(session: HttpSession): void;
}

/**
 * A SockJS session over HTTP (xhr-streaming, xhr-polling, eventsource), as the `sockjs` package
 * keeps one, byte for byte on the wire: messages due together leave as one `a[...]` frame, and
 * a frame due to many sessions of one transport is built once and the same bytes written to each
 * (the batcher's trie, as for WebSocket). Messages due while no receiver is attached wait for the
 * next one; a session without a receiver for `disconnectDelay` ends.
 */
export class HttpSession implements TransportSocket, FrameSink {
  batch: BatchNode | undefined;
  private state: 'connecting' | 'open' | 'closing' | 'closed' = 'connecting';
  private receiver: Receiver | undefined;
  /** Messages that were due while no receiver was attached, for the next one. */
  private pending: string[] = [];
  private pendingBytes = 0;
  /** Text bytes in the batch being coalesced (the batcher keeps it). */
  queuedBytes = 0;
  private closeText: string | undefined;
  private disconnectTimer: NodeJS.Timeout | undefined;
  private listeners: SessionListeners | undefined;
  private sentSinceHeartbeat = false;
  private protocolName = '';

  constructor(
    readonly id: string,
    readonly remoteAddress: string,
    readonly headers: Record<string, string | string[] | undefined>,
    private readonly options: HttpSessionOptions,
  ) {
    this.armDisconnect();
  }

  /** The transport of the first receiver, as sockjs names it. */
  get protocol(): string {
    return this.protocolName;
  }

  /** Attaches the connection glue. */
  listen(listeners: SessionListeners): void {
    this.listeners = listeners;
  }

  /**
   * A new receiver for the session (sockjs's `register`). Returns true when the session has just
   * opened (the caller then announces it).
   */
  attach(receiver: Receiver): boolean {
    if (this.receiver) {
      receiver.writeFrame(closeFrame(2010, 'Another connection still open'));
      receiver.done(false);
      return false;
    }
    this.clearDisconnect();
    if (this.state === 'closing' || this.state === 'closed') {
      // What was due before the close, then the close (a poll takes one of them per request).
      this.flushPending(receiver);
      if (!receiver.isFinished) receiver.writeFrame(this.closeText ?? closeFrame(1000, 'Normal closure'));
      receiver.done(false);
      if (this.state === 'closing') this.armDisconnect();
      return false;
    }
    this.receiver = receiver;
    receiver.session = this;
    let opened = false;
    if (this.state === 'connecting') {
      this.protocolName = receiver.protocol;
      this.state = 'open';
      opened = true;
      receiver.writeFrame(OPEN_FRAME);
    }
    if (this.receiver) this.flushPending(receiver);
    return opened;
  }

  /** Messages from the client (an xhr_send), in order. */
  receive(messages: unknown[]): void {
    for (const message of messages) {
      if (this.state !== 'open' || !this.listeners) return;
      this.listeners.data(message);
    }
  }

  /** Queues one message; it leaves with the others due together, in order. */
  write(text: string): void {
    if (this.state !== 'open') return;
    this.options.batcher.queue(this, text);
  }

  /** The batch is due: to the receiver, or kept for the next one. */
  flushBatch(batch: BatchNode): void {
    const receiver = this.receiver;
    if (receiver && this.pending.length === 0) {
      this.sentSinceHeartbeat = true;
      receiver.write(batch.frame(receiver.framing));
      return;
    }
    for (const text of batch.messages()) {
      this.pending.push(text);
      this.pendingBytes += text.length;
    }
    if (receiver) this.flushPending(receiver);
  }

  /** Bytes queued, waiting for a receiver, and not yet taken by the network. */
  bufferedBytes(): number {
    return this.queuedBytes + this.pendingBytes + (this.receiver?.bufferedBytes ?? 0);
  }

  /** Sends what is due, then `c[code,"reason"]`; the session ends after `disconnectDelay`. */
  close(code: number, reason: string): void {
    if (this.state !== 'open' && this.state !== 'connecting') return;
    this.options.batcher.flush(this);
    this.state = 'closing';
    this.closeText = closeFrame(code, reason);
    const receiver = this.receiver;
    if (receiver) {
      receiver.writeFrame(this.closeText);
      receiver.done(true);
    }
  }

  /** Like {@link close}, and the client's socket is dropped if it does not take the close in time. */
  terminate(code: number, reason: string): void {
    const socket = this.receiver?.response.socket;
    this.close(code, reason);
    if (!socket || socket.destroyed) return;
    const timer = realSetTimeout(() => socket.destroy(), TERMINATE_GRACE_MS);
    timer.unref();
    socket.once('close', () => realClearTimeout(timer));
  }

  /** Once per heartbeat delay: `h` to an attached receiver that carried nothing since the last one. */
  heartbeat(): void {
    const receiver = this.receiver;
    if (!receiver) return;
    if (this.sentSinceHeartbeat) {
      this.sentSinceHeartbeat = false;
      return;
    }
    receiver.writeFrame(HEARTBEAT_FRAME);
  }

  /** A receiver's response ended: wait for the next one (`keep`), or end the session now. */
  receiverDone(receiver: Receiver, keep: boolean): void {
    if (this.receiver !== receiver) return;
    this.receiver = undefined;
    if (keep) this.armDisconnect();
    else this.end();
  }

  /** Writes the waiting messages to `receiver` as one frame (this session's own). */
  private flushPending(receiver: Receiver): void {
    if (this.pending.length === 0 || receiver.isFinished) return;
    const frame = messageFrame(this.pending.map(quote));
    this.pending = [];
    this.pendingBytes = 0;
    this.sentSinceHeartbeat = true;
    receiver.writeFrame(frame);
  }

  private armDisconnect(): void {
    this.clearDisconnect();
    this.disconnectTimer = realSetTimeout(() => this.end(), this.options.disconnectDelay);
    this.disconnectTimer.unref();
  }

  private clearDisconnect(): void {
    if (this.disconnectTimer) realClearTimeout(this.disconnectTimer);
    this.disconnectTimer = undefined;
  }

  /** The session is over (no receiver in time, or the client went away). */
  private end(): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state !== 'connecting';
    this.state = 'closed';
    this.clearDisconnect();
    this.batch = undefined;
    this.pending = [];
    this.pendingBytes = 0;
    this.queuedBytes = 0;
    const receiver = this.receiver;
    this.receiver = undefined;
    receiver?.done(false);
    this.options.onGone(this);
    const listeners = this.listeners;
    this.listeners = undefined;
    if (wasOpen) listeners?.close();
  }
}
