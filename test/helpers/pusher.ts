import PusherModule from 'pusher-js';
import type PusherClass from 'pusher-js/types/src/core/pusher.js';
import PusherServer from 'pusher';
import type { TestServer } from './server.js';
import { waitUntil } from './wait.js';

/** A pusher-js client. */
export type Pusher = PusherClass.default;

// pusher-js is CommonJS: its module object is the class (its types say `export default`).
const PusherJs = PusherModule as unknown as typeof PusherClass.default;

/** The Pusher app the tests configure. */
export const PUSHER_APP = { id: 'app1', key: 'app1-key', secret: 'app1-secret' } as const;

/** `apps` overrides for a server with the Pusher test app; `settings` change its switches. */
export function pusherApps(settings: Record<string, unknown> = {}): { apps: unknown[] } {
  return { apps: [{ ...PUSHER_APP, ...settings }] };
}

/** The server SDK (`pusher` 5) pointed at a test server, for auth signatures and HTTP API calls. */
export function pusherSdk(server: Pick<TestServer, 'url'>): PusherServer {
  const { port } = new URL(server.url);
  return new PusherServer({ appId: PUSHER_APP.id, key: PUSHER_APP.key, secret: PUSHER_APP.secret, host: '127.0.0.1', port, useTLS: false });
}

/** Options of {@link pusherClient}. */
export interface PusherClientOptions {
  /** Presence `channel_data` the authorizer signs. */
  user?: { user_id: string; user_info?: Record<string, unknown> };
  /** User data the user authenticator signs (for `signin()`). */
  userData?: { id: string; [field: string]: unknown };
  transports?: Array<'ws' | 'xhr_streaming' | 'xhr_polling'>;
  key?: string;
  /** Refuse every channel authorization (the callback gives an error). */
  refuse?: boolean;
  /** Sign channel authorizations with a wrong secret (the server refuses them). */
  badSecret?: boolean;
}

/**
 * An unmodified pusher-js 8 client of a test server, whose channel authorizer and user
 * authenticator sign with the server SDK in process (a custom handler, as an app would write).
 */
export function pusherClient(server: Pick<TestServer, 'url'>, options: PusherClientOptions = {}): Pusher {
  const { port } = new URL(server.url);
  const sdk = pusherSdk(server);
  const signer = options.badSecret ? new PusherServer({ appId: PUSHER_APP.id, key: PUSHER_APP.key, secret: 'not-the-secret', host: '127.0.0.1', port, useTLS: false }) : sdk;
  const transports = options.transports ?? ['ws'];
  return new PusherJs(options.key ?? PUSHER_APP.key, {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: Number(port),
    httpHost: '127.0.0.1',
    httpPort: Number(port),
    httpPath: '/pusher',
    forceTLS: false,
    enabledTransports: transports,
    disableStats: true,
    channelAuthorization: {
      endpoint: '/unused',
      transport: 'ajax',
      customHandler: ({ socketId, channelName }: { socketId: string; channelName: string }, callback: (error: Error | null, auth: never) => void) => {
        if (options.refuse) {
          callback(new Error('refused by the test'), null as never);
          return;
        }
        const auth = channelName.startsWith('presence-') ? signer.authorizeChannel(socketId, channelName, options.user ?? { user_id: 'u1' }) : signer.authorizeChannel(socketId, channelName);
        callback(null, auth as never);
      },
    },
    userAuthentication: {
      endpoint: '/unused',
      transport: 'ajax',
      customHandler: ({ socketId }: { socketId: string }, callback: (error: Error | null, auth: never) => void) => {
        callback(null, sdk.authenticateUser(socketId, options.userData ?? { id: 'u1' }) as never);
      },
    },
  });
}

/** Resolves with the socket id once connected. */
export function connected(client: Pusher): Promise<string> {
  return new Promise((resolve, reject) => {
    if (client.connection.state === 'connected') {
      resolve(client.connection.socket_id);
      return;
    }
    client.connection.bind('connected', () => resolve(client.connection.socket_id));
    client.connection.bind('failed', () => reject(new Error('pusher-js: connection failed')));
  });
}

/** Resolves once the channel's subscription succeeded (with its data), rejects on a subscription error. */
export function subscribed(client: Pusher, channel: string): Promise<unknown> {
  const subscription = client.subscribe(channel);
  return new Promise((resolve, reject) => {
    subscription.bind('pusher:subscription_succeeded', (data: unknown) => resolve(data));
    subscription.bind('pusher:subscription_error', (error: unknown) => reject(Object.assign(new Error('subscription error'), { detail: error })));
  });
}

/** How soon a subscription count must be right after a subscribe or unsubscribe anywhere (the issue asks for about a second). */
export const COUNT_WITHIN_MS = 1500;

/**
 * Subscribes `client` to `channel` and keeps the `pusher:subscription_count` values it gets,
 * with a wait for the latest to be `n`.
 */
export function countsSeen(client: Pusher, channel: string): { values: number[]; until(n: number, withinMs?: number): Promise<void> } {
  const values: number[] = [];
  client.subscribe(channel).bind('pusher:subscription_count', (data: { subscription_count: number }) => values.push(data.subscription_count));
  return {
    values,
    until: (n, withinMs = COUNT_WITHIN_MS) => waitUntil(() => values.at(-1) === n, withinMs, `subscription_count ${n} on ${channel} (got ${JSON.stringify(values)})`),
  };
}

/** The next `event` on `channel`, with pusher-js's metadata. */
export function nextEvent(client: Pusher, channel: string, event: string): Promise<{ data: unknown; metadata: unknown }> {
  return new Promise((resolve) => {
    const target = client.channel(channel);
    const handler = (data: unknown, metadata: unknown): void => {
      target.unbind(event, handler);
      resolve({ data, metadata });
    };
    target.bind(event, handler);
  });
}
