/**
 * Encoding of server-to-client Pusher frames. Every `pusher:`/`pusher_internal:` event carries
 * its `data` as a JSON string, except `pusher:error`, `pusher:pong` and `pusher:signin_success`,
 * which carry an object (../shared/PUSHER.md A1).
 */

/** A frame whose data goes on the wire as a JSON-encoded string. */
export function encodeStringDataFrame(event: string, data: unknown, channel?: string): string {
  return encodeRawDataFrame(event, JSON.stringify(JSON.stringify(data)), channel);
}

/** A frame whose data goes on the wire as an object. */
export function encodeObjectDataFrame(event: string, data: unknown, channel?: string): string {
  return encodeRawDataFrame(event, JSON.stringify(data), channel);
}

/**
 * A frame whose `data` is already JSON text (a channel event: the string the API was given,
 * quoted once), spliced in as is so the bytes a backend sent reach every client unchanged.
 */
export function encodeRawDataFrame(event: string, dataJson: string | undefined, channel?: string, extra?: string): string {
  let text = `{"event":${JSON.stringify(event)}`;
  if (channel !== undefined) text += `,"channel":${JSON.stringify(channel)}`;
  if (dataJson !== undefined) text += `,"data":${dataJson}`;
  if (extra !== undefined) text += extra;
  return `${text}}`;
}

/** `pusher:error`: data `{message, code}`; code null when there is none. */
export function encodePusherError(message: string, code: number | null): string {
  return encodeObjectDataFrame('pusher:error', { message, code });
}

/** `pusher:subscription_error` as soketi and pusher-js expect it. */
export function encodeSubscriptionError(channel: string, error: string, status: number): string {
  return encodeObjectDataFrame('pusher:subscription_error', { type: 'AuthError', error, status }, channel);
}
