import { Pushy, type PushyOptions, type SocketFactory, type SocketLike } from 'pushy-server/client';

/** Socket ids of the form the server gives out (a lowercase UUID): the client asks for auth only with those. */
export const S1 = '00000000-0000-4000-8000-000000000001';
export const S2 = '00000000-0000-4000-8000-000000000002';

/**
 * A socket the test drives by hand: the client's state machine and timers are under test
 * here, not SockJS (the browser e2e suites cover the real transports).
 */
export class FakeSocket implements SocketLike {
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  readonly sent: any[] = [];
  closedWith: { code?: number; reason?: string } | undefined;

  constructor(readonly url: string) {}

  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
  }

  /** The server's hello. */
  hello(socketId: string): void {
    this.frame({ event: 'pushy:connect', data: { socketId, protocol: 'websocket', version: 2 } });
  }

  frame(frame: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  /** The server side went away. */
  drop(code = 1006, reason = 'Connection lost'): void {
    this.onclose?.({ code, reason });
  }

  /** Sent frames with this command. */
  commands(command: string): any[] {
    return this.sent.filter((f) => f.command === command);
  }

  /** Answers the last sent frame with this command with a `pushy:reply`. */
  reply(command: string, result?: unknown): void {
    const frame = this.commands(command).at(-1);
    this.frame({ event: 'pushy:reply', data: { id: frame.id, result } });
  }
}

/** A socket factory that records every socket it opened. */
export function fakeSockets(): { factory: SocketFactory; sockets: FakeSocket[]; last(): FakeSocket } {
  const sockets: FakeSocket[] = [];
  return {
    sockets,
    factory: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    last: () => {
      const socket = sockets.at(-1);
      if (!socket) throw new Error('no socket opened');
      return socket;
    },
  };
}

/** Lets a promise chain (such as an auth request) run's promise chain run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
}

/** A client on fake sockets with deterministic backoff (no jitter); `options` override. */
export function startFakeClient(options: PushyOptions = {}): { pushy: Pushy; sockets: ReturnType<typeof fakeSockets> } {
  const sockets = fakeSockets();
  const pushy = new Pushy('http://push.example/', { socketFactory: sockets.factory, reconnect: { jitter: 0 }, ...options });
  return { pushy, sockets };
}
