import { randomUUID } from 'node:crypto';
import { channelKey } from '../apps/namespace.js';
import { PushyError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import type { Broker, BrokerMessage, BrokerMessageHandler } from './broker.js';
import { decodeNodeMessage, encodeNodeMessage } from './node-wire.js';
import { KeyPrefixes } from './key-prefixes.js';

/** What a {@link RedisBroker} needs. */
export interface RedisBrokerDeps {
  connection: RedisConnection;
  logger: Logger;
  /** Defaults to a random UUID. */
  nodeId?: string;
}

/**
 * Broker for many nodes on one Redis. Each Pushy channel is a Redis pub/sub channel
 * (`<prefix>ch:<channel key>`, see `apps/namespace.ts`; messages as in `node-wire.ts`); a node
 * SUBSCRIBEs only while it has local subscribers, so PUBLISH's
 * receiver count is the number of nodes with subscribers (each node holds one subscriber
 * client). A node receives its own publishes through Redis too, so every node delivers the
 * same way; each node encodes a frame once for its local subscribers.
 *
 * While Redis is away, `publish` still delivers to this node's subscribers, then fails with
 * `UNAVAILABLE` (the trigger answers 503, saying that only this node's subscribers got it).
 * A command that was sent but timed out is not delivered locally: Redis may have taken it.
 * Subscriptions made meanwhile are remembered and sent to Redis when it is back.
 */
export class RedisBroker implements Broker {
  readonly nodeId: string;
  private readonly channels = new Set<string>();
  /** Key prefixes of wildcard subscriptions, each PSUBSCRIBEd as `<prefix>ch:<key prefix>*`. */
  private readonly prefixes = new KeyPrefixes();
  private readonly handlers: BrokerMessageHandler[] = [];
  private readonly removers: Array<() => void> = [];
  private readonly channelPrefix: string;
  private closed = false;
  /** Between a reconnect and the end of the resubscription: not carrying every channel yet. */
  private restoring = false;

  constructor(private readonly deps: RedisBrokerDeps) {
    this.nodeId = deps.nodeId ?? randomUUID();
    this.channelPrefix = deps.connection.key('ch', '');
    const subscriber = deps.connection.subscriber;
    const onMessage = (redisChannel: string, text: string): void => this.receive(redisChannel, text);
    // On a Redis Cluster, sharded pub/sub: an event goes to the one primary of its channel's slot.
    const messageEvent = deps.connection.isCluster ? 'smessage' : 'message';
    subscriber.on(messageEvent, onMessage);
    this.removers.push(() => subscriber.off(messageEvent, onMessage));
    const onPatternMessage = (pattern: string, redisChannel: string, text: string): void => this.receivePattern(pattern, redisChannel, text);
    subscriber.on('pmessage', onPatternMessage);
    this.removers.push(() => subscriber.off('pmessage', onPatternMessage));
    this.removers.push(deps.connection.onReady(() => void this.resubscribe()));
  }

  /**
   * Ready while both Redis clients are connected and this node's channels are subscribed there:
   * otherwise other nodes' events do not reach it, nor its events them.
   */
  isReady(): boolean {
    return !this.closed && !this.restoring && this.deps.connection.isUp;
  }

  /** The Redis connection's state (`ready`, `connecting`, `reconnecting`), `resubscribing` or `closed`. */
  get state(): string {
    if (this.closed) return 'closed';
    const state = this.deps.connection.state;
    return state === 'ready' && this.restoring ? 'resubscribing' : state;
  }

  async publish(message: BrokerMessage): Promise<number> {
    const key = channelKey(message.app, message.channel);
    if (!this.deps.connection.isUp) {
      // Redis is away (or half away: without the subscriber this node would not hear its own
      // publish either): this node's subscribers still get the event, the other nodes cannot.
      if (this.channels.has(key)) this.dispatch(message);
      throw new PushyError('UNAVAILABLE', "Redis is unavailable: the event reached only this node's subscribers, not the other nodes'; try again later");
    }
    const payload = encodeNodeMessage(message);
    const channel = this.channelPrefix + key;
    if (this.deps.connection.isCluster) return this.deps.connection.run('publish', async (redis) => Number(await redis.spublish(channel, payload)));
    return this.deps.connection.run('publish', (redis) => redis.publish(channel, payload));
  }

  async subscribe(channel: string): Promise<void> {
    if (this.closed || this.channels.has(channel)) return;
    this.channels.add(channel);
    await this.send('subscribe', [channel]);
  }

  async unsubscribe(channel: string): Promise<void> {
    if (!this.channels.delete(channel)) return;
    await this.send('unsubscribe', [channel]);
  }

  onMessage(handler: BrokerMessageHandler): void {
    this.handlers.push(handler);
  }

  async subscribePrefix(prefix: string): Promise<void> {
    if (this.closed || !this.prefixes.add(prefix)) return;
    await this.sendPatterns('psubscribe', [prefix]);
  }

  async unsubscribePrefix(prefix: string): Promise<void> {
    if (!this.prefixes.remove(prefix)) return;
    await this.sendPatterns('punsubscribe', [prefix]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const remove of this.removers) remove();
    const channels = [...this.channels];
    this.channels.clear();
    this.handlers.length = 0;
    if (channels.length > 0) await this.send('unsubscribe', channels);
    const prefixes = this.prefixes.all();
    if (prefixes.length > 0) await this.sendPatterns('punsubscribe', prefixes);
  }

  /** PSUBSCRIBE/PUNSUBSCRIBE of key prefixes, as {@link send} (replayed on reconnect). */
  private async sendPatterns(command: 'psubscribe' | 'punsubscribe', prefixes: string[]): Promise<void> {
    const subscriber = this.deps.connection.subscriber;
    if (subscriber.status !== 'ready') return;
    try {
      await subscriber[command](...prefixes.map((prefix) => this.channelPrefix + prefix + '*'));
    } catch (error) {
      this.deps.logger.debug(`redis ${command} failed`, { patterns: prefixes.length, error });
    }
  }

  /**
   * A message that came through a pattern. Redis sends a message once per matching SUBSCRIBE and
   * PSUBSCRIBE: it is taken from the channel's own subscription when there is one, otherwise
   * through the longest matching prefix only, so it is handed over once.
   */
  private receivePattern(pattern: string, redisChannel: string, text: string): void {
    if (this.closed || !redisChannel.startsWith(this.channelPrefix)) return;
    const key = redisChannel.slice(this.channelPrefix.length);
    if (this.channels.has(key)) return;
    const longest = this.prefixes.longest(key);
    if (longest === undefined || pattern !== this.channelPrefix + longest + '*') return;
    this.receive(redisChannel, text);
  }

  /**
   * Sends SUBSCRIBE/UNSUBSCRIBE when the subscriber client is up. When it is not, the change
   * only lives in `channels`, and {@link resubscribe} applies it on reconnect (a fresh Redis
   * connection has no subscriptions, so unsubscribes need no replay).
   */
  private async send(command: 'subscribe' | 'unsubscribe', channels: string[]): Promise<void> {
    const subscriber = this.deps.connection.subscriber;
    if (subscriber.status !== 'ready') return;
    try {
      const names = channels.map((channel) => this.channelPrefix + channel);
      if (this.deps.connection.isCluster) await subscriber[command === 'subscribe' ? 'ssubscribe' : 'sunsubscribe'](...names);
      else await subscriber[command](...names);
    } catch (error) {
      // The connection dropped mid-command; the ready handler resubscribes what is still needed.
      this.deps.logger.debug(`redis ${command} failed`, { channels: channels.length, error });
    }
  }

  private async resubscribe(): Promise<void> {
    this.restoring = true;
    try {
      if (this.channels.size > 0) await this.send('subscribe', [...this.channels]);
      if (this.prefixes.size > 0) await this.sendPatterns('psubscribe', this.prefixes.all());
    } finally {
      this.restoring = false;
    }
    this.deps.logger.info('redis broker: subscribed to channels with local subscribers', { channels: this.channels.size });
  }

  private receive(redisChannel: string, text: string): void {
    if (this.closed || !redisChannel.startsWith(this.channelPrefix)) return;
    const channel = redisChannel.slice(this.channelPrefix.length);
    let parsed: BrokerMessage | undefined;
    try {
      parsed = decodeNodeMessage(text);
    } catch (error) {
      this.deps.logger.warn('redis broker: dropped a message that is not JSON (or whose raw data is not)', { channel, error });
      return;
    }
    if (!parsed || !isValidKey(parsed, channel)) {
      this.deps.logger.warn('redis broker: dropped a malformed message', { channel });
      return;
    }
    this.dispatch(parsed);
  }

  private dispatch(message: BrokerMessage): void {
    for (const handler of this.handlers) handler(message);
  }
}

/** True when a message names the channel it came on (an app id that cannot be one makes no key). */
function isValidKey(message: BrokerMessage, key: string): boolean {
  try {
    return channelKey(message.app, message.channel) === key;
  } catch {
    return false;
  }
}
