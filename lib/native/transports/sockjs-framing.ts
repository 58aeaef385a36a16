import type { BatchFraming, BatchNode } from '../../transport/frame-batcher.js';
import { webSocketTextFrame } from '../../transport/websocket-frame.js';

/** SockJS framing, byte for byte as the `sockjs` package writes it. */

/** Sent once when a session opens. */
export const OPEN_FRAME = 'o';
/** Sent on an idle session every heartbeat delay. */
export const HEARTBEAT_FRAME = 'h';

// The characters sockjs escapes on top of JSON.stringify (some proxies and old browsers mangle
// them); kept identical so that a client cannot tell which server framed the message.
const ESCAPABLE = /[\x00-\x1f\ud800-\udfff\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufff0-\uffff]/g;

/** One message as a JSON string literal, escaped like sockjs's `utils.quote`. */
export function quote(text: string): string {
  const quoted = JSON.stringify(text);
  ESCAPABLE.lastIndex = 0;
  if (!ESCAPABLE.test(quoted)) return quoted;
  ESCAPABLE.lastIndex = 0;
  return quoted.replace(ESCAPABLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `a[...]`: several messages (already quoted) in one frame. */
export function messageFrame(quoted: readonly string[]): string {
  return `a[${quoted.join(',')}]`;
}

/** `c[code,"reason"]`: the close frame. */
export function closeFrame(code: number, reason: string): string {
  return `c${JSON.stringify([code, reason])}`;
}

/** What a SockJS client sends over WebSocket: a JSON array of strings, or one JSON value. */
export function parseIncoming(payload: string): unknown[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    // sockjs answers a frame that is not JSON by closing the session ("Broken framing.").
    return undefined;
  }
  return payload[0] === '[' && Array.isArray(parsed) ? parsed : [parsed];
}

/**
 * How one transport puts a SockJS frame (`a[...]`, `h`, `c[...]`) on its wire. One object per
 * transport: a batch's bytes are built once per framing and shared by its sockets.
 */
export interface Framing extends BatchFraming {
  /** One SockJS frame's bytes. */
  encode(frame: string): Buffer;
}

/** A transport's framing from how it puts one SockJS frame on its wire; a batch is one `a[...]` frame. */
function sockjsFraming(encode: (frame: string) => Buffer): Framing {
  return { encode, bytesOf: (batch: BatchNode) => encode(messageFrame(batch.messages().map(quote))) };
}

/** WebSocket: one text frame per SockJS frame. */
export const WEBSOCKET_FRAMING: Framing = sockjsFraming(webSocketTextFrame);

/** xhr-streaming and xhr-polling: one line per SockJS frame. */
export const XHR_FRAMING: Framing = sockjsFraming((frame) => Buffer.from(`${frame}\n`));

// What sockjs escapes in an EventSource `data:` line (its `escape_selected(payload, '\r\n\x00')`,
// which escapes `%` too): sockjs-client runs `decodeURI` on every event.
const EVENTSOURCE_ESCAPES: Readonly<Record<string, string>> = { '%': '%25', '\r': '%0D', '\n': '%0A', '\x00': '%00' };
const EVENTSOURCE_ESCAPABLE = /[%\r\n\x00]/g;

/** EventSource: one `data:` event per SockJS frame. */
export const EVENTSOURCE_FRAMING: Framing = sockjsFraming((frame) => Buffer.from(`data: ${frame.replace(EVENTSOURCE_ESCAPABLE, (char) => EVENTSOURCE_ESCAPES[char]!)}\r\n\r\n`));
