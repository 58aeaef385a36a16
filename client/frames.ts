/** A frame from the server: `{event, channel?, data?, offset?}`. */
export interface ServerFrame {
  event: string;
  channel?: string;
  data?: any;
  /** (v2) The event's place in its channel's history; only on triggered channel events. */
  offset?: number;
}

/** A presence member as the server reports it. */
export interface Member {
  memberId: string;
  subscribed: number;
  idle: boolean;
  /** The user id, when the presence data had one. */
  id?: string | number;
  [key: string]: unknown;
}

/** Parses one SockJS message into a frame, or `undefined` when it is not a Pushy frame. */
export function parseFrame(text: unknown): ServerFrame | undefined {
  if (typeof text !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not JSON: not a Pushy frame (the server never sends one); the caller reports it.
    return undefined;
  }
  if (typeof value !== 'object' || value === null || typeof (value as ServerFrame).event !== 'string') return undefined;
  return value as ServerFrame;
}
