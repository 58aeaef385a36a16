/**
 * The socket underneath a front end's connection, whatever serves it (Pushy's own SockJS
 * WebSocket and HTTP transports, or the `sockjs` package). Kept this small so that another
 * transport can be slotted in without touching the rest.
 */
export interface TransportSocket {
  /** SockJS transport name, e.g. `websocket`, `xhr-streaming`. */
  readonly protocol: string;
  readonly remoteAddress: string;
  readonly headers: Record<string, string | string[] | undefined>;
  /** Sends one already-encoded JSON text as a SockJS message. */
  write(text: string): void;
  close(code: number, reason: string): void;
  /**
   * Bytes written that the transport has not flushed to the network yet (socket buffer, or
   * messages a polling session keeps until the client's next request).
   */
  bufferedBytes(): number;
  /**
   * Closes with a close frame, then drops the underlying socket soon even if the client never
   * takes that frame (a client that stopped reading would otherwise pin its buffer).
   */
  terminate(code: number, reason: string): void;
}
