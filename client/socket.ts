import SockJS from 'sockjs-client';

/** The part of a SockJS (or WebSocket-like) object the client uses. */
export interface SocketLike {
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

/** Opens a socket to a SockJS endpoint URL. */
export type SocketFactory = (url: string) => SocketLike;

/** The default factory: a sockjs-client socket, limited to `transports` when given. */
export function sockjsFactory(transports?: readonly string[]): SocketFactory {
  return (url) => {
    const options = transports && transports.length > 0 ? { transports: [...transports] } : undefined;
    return new SockJS(url, undefined, options) as unknown as SocketLike;
  };
}
