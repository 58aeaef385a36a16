/** A frame from the server: `{event, channel?, data?, offset?}`. */
export interface ServerFrame {
  event: string;
  channel?: string;
  data?: any;
  /** (v2) The event's place in its channel's history; only on triggered channel events. */
  offset?: number;
  /** (v2) A client event on a presence channel: the sender's member id. */
  memberId?: string;
}

/** What a channel event's listener gets after the data. */
export interface EventInfo {
  channel: string;
  /** The event's place in its channel's history (servers with history). */
  offset?: number;
  /** A client event on a presence channel: the sender's member id (see `Channel.members`). */
  memberId?: string;
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
