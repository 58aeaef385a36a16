/**
 * Pushy's browser client, as an ES module. The script-tag build (`/pushy/client.js`) exposes
 * the same {@link Pushy} class as the global `Pushy`.
 */
export { Pushy, type PushyOptions, type ConnectInfo } from './pushy.js';
export { Channel, type ChannelPosition, type ChannelState, type SubscribeOptions } from './channel.js';
export { PushyCommandError } from './commands.js';
export { AuthError, type Authorizer, type AuthTransport, type ChannelAuth } from './auth.js';
export type { ConnectionState, StateChange } from './connection.js';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export type { SocketLike, SocketFactory } from './socket.js';
export type { EventInfo, Member, ServerFrame } from './frames.js';
export type { ResubscribedInfo, SubscriptionError } from './subscriptions.js';
export type { Listener } from './emitter.js';
