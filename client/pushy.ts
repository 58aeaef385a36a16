import { PATTERN_NAME } from './patterns.js';
import { requestChannelAuth, runAuthorizer, type Authorizer, type AuthTransport, type ChannelAuth } from './auth.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import type { Channel } from './channel.js';
import { CommandQueue } from './commands.js';
import { Connection, type ConnectionState, type StateChange } from './connection.js';
import { Emitter, type Listener } from './emitter.js';
import { appPrefix, sockjsEndpoint } from './endpoint.js';
import type { ServerFrame } from './frames.js';
import { sockjsFactory, type SocketFactory } from './socket.js';
import { Subscriptions } from './subscriptions.js';

/** Options of {@link Pushy}. All are optional. */
export interface PushyOptions {
  /** URL the client POSTs `{channel, connection_id}` to for private and presence channels. */
  authEndpoint?: string;
  /** Extra headers on the auth request (e.g. a CSRF token). */
  authHeaders?: Record<string, string>;
  /** Auth request body: `'form'` (default, as the v1 client) or `'json'`. */
  authTransport?: AuthTransport;
  /**
   * Signs private and presence channels in the page instead of POSTing to `authEndpoint`:
   * called with the channel and socket id, resolves with `{auth, data?}`; a throw refuses.
   */
  authorizer?: Authorizer;
  /** SockJS transports to allow, e.g. `['websocket', 'xhr-streaming']` (default: all). */
  transports?: string[];
  /** Path of the SockJS endpoint on the server (default `/pushy/socket`); a `url` already ending in it is kept. */
  prefix?: string;
  /**
   * The key of the app to connect to, on a server that serves several: the socket opens at
   * `/pushy/app/<key>/socket` and sees that app's channels only (default: the server's default app).
   * An unknown key or a disabled app is refused with close code 4404 or 4403.
   */
  app?: string;
  /** Connect at once (default true); otherwise call {@link Pushy.connect}. */
  autoConnect?: boolean;
  /** Reconnection delays (default 0.5 s doubling to 30 s, half of each random). */
  reconnect?: Partial<BackoffOptions>;
  /** ms to wait for the server's hello before trying again (default 10000). */
  connectTimeout?: number;
  /** Opens sockets (default: sockjs-client); for custom transports and tests. */
  socketFactory?: SocketFactory;
  /** `fetch` used for the auth request (default: the global one). */
  fetch?: typeof fetch;
}

/** What the `connect` event carries. */
export interface ConnectInfo {
  socketId: string;
  /** The SockJS transport in use, e.g. `'websocket'`. */
  protocol: string;
}

const CHANNEL_NAME = /^[A-Za-z0-9_\-=@,.;:]{1,200}$/;

/**
 * A Pushy client: one connection, kept up with reconnection, and its channels.
 *
 * Events (`pushy.bind`): `connect` ({@link ConnectInfo}), `disconnect` (`{code?, reason}`),
 * `state` ({@link StateChange}), `error` (a `pushy:error` frame's data that no command
 * claims), `message` (every frame).
 */
export class Pushy {
  /** The SockJS endpoint URL. */
  readonly url: string;
  private readonly emitter = new Emitter();
  private readonly connection: Connection;
  private readonly commands: CommandQueue;
  private readonly subscriptions: Subscriptions;

  /**
   * `url` is the Pushy server, e.g. `https://push.example.com` (the SockJS prefix is added), or
   * its SockJS endpoint, e.g. `https://push.example.com/pushy/socket`, as the v1 client took it.
   */
  constructor(url: string, options: PushyOptions = {}) {
    this.url = sockjsEndpoint(url, options.prefix ?? appPrefix(options.app));
    this.connection = new Connection({
      url: this.url,
      createSocket: options.socketFactory ?? sockjsFactory(options.transports),
      backoff: { ...DEFAULT_BACKOFF, ...options.reconnect },
      connectTimeout: options.connectTimeout ?? 10_000,
      random: Math.random,
      onFrame: (frame) => this.receive(frame),
      onStateChange: (change) => this.stateChanged(change),
      onBadMessage: (data) => this.emitter.emit('error', { message: 'Not a Pushy frame', data }),
    });
    this.commands = new CommandQueue((text) => this.connection.send(text));
    this.subscriptions = new Subscriptions({
      connectedSocketId: () => (this.connection.state === 'connected' ? this.connection.socketId : undefined),
      execNow: (command, data) => this.commands.execNow(command, data),
      exec: (command, data) => this.commands.exec(command, data),
      authorize: (channel, socketId) => this.authorize(options, channel, socketId),
    });
    if (options.autoConnect !== false) this.connect();
  }

  /** `initialized`, `connecting`, `connected`, `disconnected` (will retry) or `closed`. */
  get state(): ConnectionState {
    return this.connection.state;
  }

  /** The server's id for this connection, while connected. */
  get socketId(): string | undefined {
    return this.connection.state === 'connected' ? this.connection.socketId : undefined;
  }

  /** Connects (again) now. */
  connect(): this {
    this.connection.connect();
    return this;
  }

  /** Closes the connection for good; queued and unanswered commands are rejected. */
  disconnect(): this {
    this.connection.close();
    return this;
  }

  /** Calls `listener` on a client event. */
  bind(event: string, listener: Listener): this {
    this.emitter.bind(event, listener);
    return this;
  }

  /** Removes one listener, every listener of `event`, or (no arguments) all. */
  unbind(event?: string, listener?: Listener): this {
    this.emitter.unbind(event, listener);
    return this;
  }

  /** The channel with this name (case-insensitive), created on first use; not yet subscribed. */
  channel(name: string): Channel {
    if (typeof name !== 'string' || !(CHANNEL_NAME.test(name) || PATTERN_NAME.test(name))) throw new TypeError(`Pushy: invalid channel name ${JSON.stringify(name)}`);
    return this.subscriptions.get(name.toLowerCase());
  }

  /** Shorthand for `channel(name).subscribe()`. */
  subscribe(name: string): Channel {
    return this.channel(name).subscribe();
  }

  /** Shorthand for `channel(name).unsubscribe()`. */
  unsubscribe(name: string): Channel {
    return this.channel(name).unsubscribe();
  }

  /** Every channel created with {@link channel}. */
  allChannels(): Channel[] {
    return this.subscriptions.all();
  }

  /**
   * Runs a custom command on the server and resolves with its result. Sent at once when
   * connected, otherwise queued until the connection is up. Rejects with a
   * `PushyCommandError` carrying the server's error code.
   */
  exec(command: string, data?: unknown): Promise<unknown> {
    return this.commands.exec(command, data);
  }

  private stateChanged(change: StateChange): void {
    if (change.previous === 'connected') {
      this.commands.connectionLost();
      this.subscriptions.disconnected();
    }
    if (change.current === 'closed') this.commands.closed();
    if (change.current === 'connected') {
      this.subscriptions.connected(this.connection.socketId ?? '');
      this.commands.flush();
    }
    this.emitter.emit('state', change);
    if (change.current === 'connected') {
      this.emitter.emit('connect', { socketId: this.connection.socketId ?? '', protocol: this.connection.protocol ?? '' } satisfies ConnectInfo);
    }
    if (change.previous === 'connected') {
      const info: { reason: string; code?: number } = { reason: change.reason };
      if (change.code !== undefined) info.code = change.code;
      this.emitter.emit('disconnect', info);
    }
  }

  private receive(frame: ServerFrame): void {
    this.emitter.emit('message', frame);
    if (frame.event === 'pushy:connect') return;
    if (frame.event === 'pushy:reply' || frame.event === 'pushy:error') {
      if (!this.commands.settle(frame) && frame.event === 'pushy:error') this.emitter.emit('error', frame.data);
      return;
    }
    if (this.subscriptions.handle(frame)) return;
    this.subscriptions.deliver(frame);
  }

  private authorize(options: PushyOptions, channel: string, socketId: string): Promise<ChannelAuth> {
    if (options.authorizer) return runAuthorizer(options.authorizer, channel, socketId);
    if (!options.authEndpoint) return Promise.reject(new Error('No authEndpoint or authorizer configured for private and presence channels'));
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    return requestChannelAuth({
      endpoint: options.authEndpoint,
      headers: options.authHeaders ?? {},
      transport: options.authTransport ?? 'form',
      channel,
      socketId,
      fetch: fetchImpl,
    });
  }
}
