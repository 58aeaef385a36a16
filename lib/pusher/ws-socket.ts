import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { BatchFraming, BatchNode, FrameBatcher, FrameSink } from '../transport/frame-batcher.js';
import { TERMINATE_GRACE_MS } from '../transport/terminate-grace.js';
import { webSocketTextFrame, webSocketTextFrames } from '../transport/websocket-frame.js';
import type { PusherTransport } from './session.js';

/** A batch of Pusher frames on a WebSocket: one text frame per Pusher frame, back to back. */
export const PUSHER_WEBSOCKET_FRAMING: BatchFraming = { bytesOf: (batch: BatchNode) => webSocketTextFrames(batch.messages()) };

/**
 * A Pusher session's WebSocket. Frames due to the socket in one event-loop turn leave in one
 * write, and a batch due to many sockets is built once and the same bytes written to each (the
 * native transport's design): fan-out costs one socket write per socket per turn, not one
 * `ws.send` per frame.
 */
export class PusherWsSocket implements PusherTransport, FrameSink {
  readonly name = 'websocket';
  batch: BatchNode | undefined;
  queuedBytes = 0;
  private closeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Socket,
    private readonly batcher: FrameBatcher,
  ) {
    socket.setNoDelay(true);
    ws.once('close', () => {
      clearTimeout(this.closeTimer);
      this.batch = undefined;
      this.queuedBytes = 0;
    });
  }

  /** Queues one frame; it leaves with the others due this turn, in order. */
  send(text: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.batcher.queue(this, text);
  }

  /** Sends what is queued, then closes. */
  close(code: number, reason: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.batcher.flush(this);
    this.ws.close(code, reason);
  }

  /**
   * Sends `text` (the `pusher:error` that says why) and closes, dropping what was still queued
   * (a client that does not read must not get more); the socket is cut if the close handshake
   * does not finish in time.
   */
  terminate(code: number, reason: string, text: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.batch = undefined;
    this.queuedBytes = 0;
    this.socket.write(webSocketTextFrame(text));
    this.ws.close(code, reason);
    this.closeTimer = setTimeout(() => this.ws.terminate(), TERMINATE_GRACE_MS);
    this.closeTimer.unref();
  }

  ping(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }

  /** Bytes queued for this turn's write plus what the socket has not flushed yet. */
  bufferedBytes(): number {
    return this.queuedBytes + this.socket.writableLength;
  }

  /** Writes a batch's bytes, built once for every socket due the same frames. */
  flushBatch(batch: BatchNode): void {
    // Straight to the socket: with compression off, ws writes only whole frames and only when
    // asked (pongs, pings, the close), so frames never interleave.
    if (this.ws.readyState === WebSocket.OPEN) this.socket.write(batch.frame(PUSHER_WEBSOCKET_FRAMING));
  }
}
