/**
 * Pushy's public API: run a server from code, or sign triggers and channel auth from a Node
 * backend.
 */
export { createServer, SHUTDOWN_CLOSE, type PushyServer, type PushyServerOptions } from './server.js';
export { loadConfig, describeOptions, ConfigError, type PushyConfig, type LoadConfigOptions, type AdapterConfig } from './config.js';
export { signTrigger, signChannel, triggerUrl, sha256Hex } from './signing.js';
export type { TriggerSignatureInput, ChannelSignatureInput, TriggerUrlInput } from './signing.js';
export { PushyError, ERRORS, CLOSES, type ErrorName, type CloseInfo } from './errors.js';
export type { CommandHandler, CommandContext, LegacyCommand } from './command-registry.js';
export type { Broker, BrokerMessage } from './broker/broker.js';
export { MemoryBroker } from './broker/memory-broker.js';
export { RedisBroker, type RedisBrokerDeps } from './broker/redis-broker.js';
export { createBrokerAdapter, type BrokerAdapter } from './broker/create-broker.js';
export { RedisConnection, type RedisConnectionOptions } from './redis/redis-connection.js';
export { MemoryPresenceStore, type PresenceStore, type PresenceChange, type Member } from './channels/presence-store.js';
export { RedisPresenceStore, type RedisPresenceStoreDeps } from './channels/redis-presence-store.js';
export type { HistoryStore, HistoryEvent, HistoryRead, StreamPosition } from './history/history-store.js';
export { MemoryHistoryStore, type MemoryHistoryOptions } from './history/memory-history-store.js';
export { RedisHistoryStore, type RedisHistoryStoreDeps } from './history/redis-history-store.js';
export { MemoryIdempotencyStore, type IdempotencyStore, type IdempotencyClaim } from './history/idempotency-store.js';
export { RedisIdempotencyStore } from './history/redis-idempotency-store.js';
export { createSharedHistory, type SharedHistory } from './history/create-history.js';
export { createLogger, type Logger, type LogLevel } from './logger.js';
export { installProcessPolicy, type ProcessPolicyOptions } from './process-policy.js';
export { EVENTS, PROTOCOL_VERSION, normaliseChannelName } from './protocol.js';
export { authorizeChannel, channelAuthHandler } from './auth-endpoint.js';
export type { AuthorizeChannelInput, ChannelAuthorization, ChannelAuthRequest, ChannelAuthDecision, ChannelAuthHandlerOptions, ChannelAuthHandler } from './auth-endpoint.js';
export { MemoryNodeRegistry, type NodeRegistry, type NodeList } from './admin/node-registry.js';
export { RedisNodeRegistry, type RedisNodeRegistryDeps } from './admin/redis-node-registry.js';
