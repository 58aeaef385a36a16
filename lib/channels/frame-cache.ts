import type { ChannelMessage, FrameEncoder } from './subscriber.js';

/**
 * The frames of one message, one per front end, each encoded when its first recipient needs it.
 * With one front end this is one encoding and a comparison per subscriber; each further front
 * end adds one encoding per message, never one per socket.
 */
export class FrameCache {
  private encoder: FrameEncoder<unknown> | undefined;
  private frame: unknown;
  /** Frames of the other front ends met so far (rare: only while several serve one channel). */
  private others: Map<FrameEncoder<unknown>, unknown> | undefined;

  constructor(private readonly message: ChannelMessage) {}

  /** The message as `encoder` encodes it. */
  for(encoder: FrameEncoder<unknown>): unknown {
    if (encoder === this.encoder) return this.frame;
    if (this.encoder !== undefined) (this.others ??= new Map()).set(this.encoder, this.frame);
    this.encoder = encoder;
    this.frame = this.others?.has(encoder) ? this.others.get(encoder) : encoder.encode(this.message);
    return this.frame;
  }
}
