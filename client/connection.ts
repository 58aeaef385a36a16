import { backoffDelay, type BackoffOptions } from './backoff.js';
import { parseFrame, type ServerFrame } from './frames.js';
import type { SocketFactory, SocketLike } from './socket.js';

/** The states of a connection. */
export type ConnectionState = 'initialized' | 'connecting' | 'connected' | 'disconnected' | 'closed';

/** Every transition the connection may make; anything else is a bug and throws. */
const TRANSITIONS: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  initialized: ['connecting', 'closed'],
  connecting: ['connected', 'disconnected', 'closed'],
  connected: ['disconnected', 'closed'],
  disconnected: ['connecting', 'closed'],
  closed: ['connecting'],
};

/** What a `state` event carries. */
export interface StateChange {
  previous: ConnectionState;
  current: ConnectionState;
  /** Why: e.g. `'connect() called'`, `'socket closed'`, `'connect timeout'`. */
  reason: string;
  /** Socket close code, when a socket closed. */
  code?: number;
  /** ms until the next attempt, on entering `disconnected`. */
  retryIn?: number;
}

/** What a {@link Connection} needs. */
export interface ConnectionDeps {
  /** Full SockJS endpoint URL. */
  url: string;
  createSocket: SocketFactory;
  backoff: BackoffOptions;
  /** ms to wait for `pushy:connect` after opening a socket. */
  connectTimeout: number;
  random: () => number;
  onFrame(frame: ServerFrame): void;
  onStateChange(change: StateChange): void;
  /** A message that is not a Pushy frame. */
  onBadMessage(data: unknown): void;
}

/**
 * One logical connection to Pushy over successive sockets. Every state change goes through
 * {@link Connection.transition}, which also owns the timers: the connect timeout lives only in
 * `connecting`, the retry timer only in `disconnected`.
 */
export class Connection {
  private current: ConnectionState = 'initialized';
  private socket: SocketLike | undefined;
  private attempt = 0;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set by `pushy:connect`. */
  socketId: string | undefined;
  /** SockJS transport of the current socket. */
  protocol: string | undefined;

  constructor(private readonly deps: ConnectionDeps) {}

  get state(): ConnectionState {
    return this.current;
  }

  /** Opens a socket now unless one is open or opening. */
  connect(): void {
    if (this.current === 'connecting' || this.current === 'connected') return;
    this.transition('connecting', { reason: 'connect() called' });
  }

  /** Closes for good: no reconnection until {@link connect} is called again. */
  close(): void {
    if (this.current === 'closed') return;
    this.transition('closed', { reason: 'close() called' });
  }

  /** Sends a text frame; false when not connected (nothing is sent). */
  send(text: string): boolean {
    if (this.current !== 'connected' || !this.socket) return false;
    this.socket.send(text);
    return true;
  }

  /** The one place where the state changes. */
  private transition(to: ConnectionState, detail: { reason: string; code?: number }): void {
    const from = this.current;
    if (!TRANSITIONS[from].includes(to)) throw new Error(`Pushy: invalid connection transition ${from} -> ${to}`);
    // Leave the old state: its timer goes with it.
    if (from === 'connecting') this.clearConnectTimer();
    if (from === 'disconnected') this.clearRetryTimer();
    this.current = to;
    const change: StateChange = { previous: from, current: to, ...detail };
    switch (to) {
      case 'connecting':
        this.socketId = undefined;
        this.openSocket();
        break;
      case 'connected':
        this.attempt = 0;
        break;
      case 'disconnected': {
        this.dropSocket();
        const delay = backoffDelay(this.attempt, this.deps.backoff, this.deps.random);
        this.attempt += 1;
        change.retryIn = delay;
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.transition('connecting', { reason: 'retry' });
        }, delay);
        break;
      }
      case 'closed':
        this.attempt = 0;
        this.dropSocket();
        break;
      case 'initialized':
        break;
    }
    this.deps.onStateChange(change);
  }

  private openSocket(): void {
    let socket: SocketLike;
    try {
      socket = this.deps.createSocket(this.deps.url);
    } catch (error) {
      // e.g. a malformed URL: count it as a failed attempt and back off like any other.
      queueMicrotask(() => {
        if (this.current === 'connecting' && !this.socket) this.transition('disconnected', { reason: `cannot open socket: ${String(error)}` });
      });
      return;
    }
    this.socket = socket;
    socket.onmessage = (event) => this.receive(socket, event.data);
    socket.onclose = (event) => {
      if (socket !== this.socket) return;
      this.socket = undefined;
      if (this.current === 'connecting' || this.current === 'connected') {
        this.transition('disconnected', { reason: event.reason || 'socket closed', code: event.code });
      }
    };
    this.connectTimer = setTimeout(() => {
      this.connectTimer = undefined;
      this.transition('disconnected', { reason: 'connect timeout' });
    }, this.deps.connectTimeout);
  }

  private receive(socket: SocketLike, data: unknown): void {
    if (socket !== this.socket) return;
    const frame = parseFrame(data);
    if (!frame) {
      this.deps.onBadMessage(data);
      return;
    }
    if (frame.event === 'pushy:connect' && this.current === 'connecting') {
      this.socketId = typeof frame.data?.socketId === 'string' ? frame.data.socketId : undefined;
      this.protocol = typeof frame.data?.protocol === 'string' ? frame.data.protocol : undefined;
      this.transition('connected', { reason: 'pushy:connect' });
    }
    this.deps.onFrame(frame);
  }

  /** Detaches the current socket (its late events are ignored) and closes it. */
  private dropSocket(): void {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    socket.onmessage = null;
    socket.onclose = null;
    socket.close(1000, 'Normal closure');
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
  }

  private clearRetryTimer(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
