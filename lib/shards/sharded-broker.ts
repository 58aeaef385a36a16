import { channelKey } from '../apps/namespace.js';
import type { Broker, BrokerMessage, BrokerMessageHandler, BrokerShardState } from '../broker/broker.js';
import type { Sharded } from './sharded.js';

/**
 * A broker over several Redis shards: each channel's events go through the shard that holds
 * the channel (one PUBLISH on one Redis), and a node subscribes there only. Ready only when
 * every shard is: a node missing one shard misses that shard's channels.
 */
export class ShardedBroker implements Broker {
  constructor(
    private readonly shards: Sharded<Broker>,
    readonly nodeId: string,
  ) {}

  publish(message: BrokerMessage): Promise<number> {
    return this.shards.of(channelKey(message.app, message.channel)).publish(message);
  }

  subscribe(key: string): Promise<void> {
    return this.shards.of(key).subscribe(key);
  }

  unsubscribe(key: string): Promise<void> {
    return this.shards.of(key).unsubscribe(key);
  }

  onMessage(handler: BrokerMessageHandler): void {
    for (const broker of this.shards.parts) broker.onMessage(handler);
  }

  isReady(): boolean {
    return this.shards.parts.every((broker) => broker.isReady());
  }

  /** The shards' state when they share one (`ready`, `closed`); otherwise each shard that is not ready, e.g. `shard 10.0.0.2:6379/0 reconnecting`. */
  get state(): string {
    const states = new Set(this.shards.parts.map((broker) => broker.state));
    if (states.size === 1) return [...states][0]!;
    const notReady = this.shardStates().filter((shard) => shard.state !== 'ready');
    if (notReady.length === 0) return 'ready';
    return notReady.map((shard) => `shard ${shard.shard} ${shard.state}`).join(', ');
  }

  /** Each shard's broker state, in the configured order (for health, metrics and the dashboard). */
  shardStates(): BrokerShardState[] {
    return this.shards.parts.map((broker, i) => ({ shard: this.shards.ids[i]!, state: broker.state }));
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.parts.map((broker) => broker.close()));
  }
}
