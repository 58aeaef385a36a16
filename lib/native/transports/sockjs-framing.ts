/**
 * SockJS framing, byte for byte as the `sockjs` package writes it, and WebSocket frames built
 * once so that the same bytes can go to many sockets.
 */

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

/**
 * A complete server-to-client WebSocket text frame (FIN, opcode 1, unmasked): servers never
 * mask, so one frame serves every socket.
 */
export function webSocketTextFrame(payload: string): Buffer {
  const length = Buffer.byteLength(payload);
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(payload, headerLength, 'utf8');
  return frame;
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
export interface Framing {
  encode(frame: string): Buffer;
}

/** WebSocket: one text frame per SockJS frame. */
export const WEBSOCKET_FRAMING: Framing = { encode: webSocketTextFrame };

/** xhr-streaming and xhr-polling: one line per SockJS frame. */
export const XHR_FRAMING: Framing = { encode: (frame) => Buffer.from(`${frame}\n`) };

// What sockjs escapes in an EventSource `data:` line (its `escape_selected(payload, '\r\n\x00')`,
// which escapes `%` too): sockjs-client runs `decodeURI` on every event.
const EVENTSOURCE_ESCAPES: Readonly<Record<string, string>> = { '%': '%25', '\r': '%0D', '\n': '%0A', '\x00': '%00' };
const EVENTSOURCE_ESCAPABLE = /[%\r\n\x00]/g;

/** EventSource: one `data:` event per SockJS frame. */
export const EVENTSOURCE_FRAMING: Framing = {
  encode: (frame) => Buffer.from(`data: ${frame.replace(EVENTSOURCE_ESCAPABLE, (char) => EVENTSOURCE_ESCAPES[char]!)}\r\n\r\n`),
};
