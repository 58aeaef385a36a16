/**
 * Pushy's public API: run a server from code, or sign triggers and channel auth from a Node
 * backend.
 */
export { createServer, SHUTDOWN_CLOSE, type PushyServer, type PushyServerOptions } from './server.js';
export { loadConfig, describeOptions, ConfigError, type PushyConfig, type LoadConfigOptions, type AdapterConfig } from './config.js';
export { signTrigger, signChannel, triggerUrl, sha256Hex } from './signing.js';
export type { TriggerSignatureInput, ChannelSignatureInput, TriggerUrlInput } from './signing.js';
export { signChannelV3, signTriggerV3, triggerUrlV3, signHistoryV3, historyUrlV3, channelAuthTextV3, AUTH_VERSION_V3, CHANNEL_AUTH_V3_PREFIX } from './signing.js';
export type { ChannelAuthV3Input, TriggerV3Input, HistoryV3Input, NonceOption } from './signing.js';
export { signEventsV3, eventsUrlV3, signPatternV3, type EventsV3Input } from './signing.js';
// Channel tokens are signed by the token module of the channel core (it knows patterns), below lib/signing's layer.
export { signChannelToken, type ChannelTokenInput } from './tokens/sign-channel-token.js';
export { signRequest, verifyRequest, requestSigningText, type BodyDigest, type SignRequestInput, type VerifyRequestInput, type VerifiedRequest } from './signing.js';
export { PushyError, ListenError, ERRORS, CLOSES, type ErrorName, type CloseInfo } from './errors.js';
export type { CommandHandler, CommandContext } from './native/command-registry.js';
export type { LegacyCommand } from './native/legacy-command.js';
export type { Broker, BrokerMessage, ChannelEventMessage, PresenceMessage, SubscriptionCountMessage } from './broker/broker.js';
export { MemoryBroker } from './broker/memory-broker.js';
export { RedisBroker, type RedisBrokerDeps } from './broker/redis-broker.js';
export { createAdapter, type Adapter } from './adapter.js';
export { RedisConnection, type RedisConnectionOptions } from './redis/redis-connection.js';
export { MemoryPresenceStore, type PresenceStore, type PresenceChange, type Member } from './presence/presence-store.js';
export { RedisPresenceStore, type RedisPresenceStoreDeps } from './presence/redis-presence-store.js';
export { MemorySubscriberCountStore, type SubscriberCountStore, type ChannelTotal } from './counts/subscriber-count-store.js';
export type { HistoryStore, HistoryEvent, HistoryQuery, HistoryRead, StreamPosition } from './history/history-store.js';
export { MemoryHistoryStore, type MemoryHistoryOptions } from './history/memory-history-store.js';
export { RedisHistoryStore, type RedisHistoryStoreDeps } from './history/redis-history-store.js';
export { MemoryIdempotencyStore, type IdempotencyStore, type IdempotencyClaim } from './history/idempotency-store.js';
export { RedisIdempotencyStore } from './history/redis-idempotency-store.js';
export { MemoryReplayStore, type SignatureReplayStore, type ReplayClaim, type MemoryReplayOptions } from './signing/replay-store.js';
export { RedisReplayStore, createSharedReplayStore, type RedisReplayStoreDeps } from './signing/redis-replay-store.js';
export { createLogger, type Logger, type LogLevel, type LogFormat } from './logger.js';
export { EVENTS, PROTOCOL_VERSION, normaliseChannelName } from './native/protocol.js';
export { authorizeChannel, channelAuthHandler } from './native/auth-endpoint.js';
export type { AuthorizeChannelInput, SignatureVersion, ChannelAuthorization, ChannelAuthRequest, ChannelAuthDecision, ChannelAuthHandlerOptions, ChannelAuthHandler } from './native/auth-endpoint.js';
export { MemoryNodeRegistry, type NodeRegistry, type NodeList } from './nodes/node-registry.js';
export { RedisNodeRegistry, type RedisNodeRegistryDeps } from './nodes/redis-node-registry.js';
export { RedisNodeLiveness, type RedisNodeLivenessDeps, type Beat } from './nodes/node-liveness.js';
export { installProcessPolicy, type ProcessPolicyOptions } from './process-policy.js';
export { AppDirectory, createDefaultApp } from './apps/app-directory.js';
export { openAppStore } from './apps/open-app-store.js';
export type { App, AppKey, AppLimits, AppCreateInput, AppUpdate, RedactedApp } from './apps/app.js';
export type { AppStore, AppChange, AppsConfig, CreatedApp, RotatedKey, RotateOptions } from './apps/app-store.js';
export { ChannelTokenVerifier } from './tokens/verify-channel-token.js';
export { appSecretLookup } from './tokens/app-secret-lookup.js';
