import type { PushyConfig } from '../../config.js';

/** The frame limits a client message's bound is made from. */
export type MessageLimits = Pick<PushyConfig['limits'], 'maxFrameBytes' | 'frameBurst' | 'maxQueuedFrames'>;

/**
 * Largest client message a transport takes in, in bytes: one WebSocket message (raw or SockJS
 * framed) or one `xhr_send`/`jsonp_send` body. It has room for the most frames one message can
 * usefully carry (frames past `frameBurst` are rate limited and past `maxQueuedFrames` refused,
 * as they all arrive at once), each at `maxFrameBytes`: 1.6 MB with the defaults. A larger
 * message is refused before it is buffered (WebSocket close 1009, HTTP 413); a smaller one with
 * an oversized frame in it gets `pushy:error` 413 for that frame, as before.
 */
export function maxClientMessageBytes(limits: MessageLimits): number {
  const frames = Math.max(1, Math.min(limits.frameBurst, limits.maxQueuedFrames));
  return Math.max(1, limits.maxFrameBytes) * frames;
}
