import { randomUUID } from 'node:crypto';
import { channelKey } from '../apps/namespace.js';
import type { Broker, BrokerMessage, BrokerMessageHandler } from './broker.js';
import { KeyPrefixes } from './key-prefixes.js';

/**
 * In-process broker for a single node: publishing hands the message straight to this node's
 * handlers when the channel has local subscribers.
 */
export class MemoryBroker implements Broker {
  readonly nodeId = randomUUID();
  private readonly channels = new Set<string>();
  private readonly handlers: BrokerMessageHandler[] = [];
  private readonly prefixes = new KeyPrefixes();
  private closed = false;

  isReady(): boolean {
    return !this.closed;
  }

  get state(): string {
    return this.closed ? 'closed' : 'ready';
  }

  async publish(message: BrokerMessage): Promise<number> {
    const key = channelKey(message.app, message.channel);
    if (!this.channels.has(key) && this.prefixes.longest(key) === undefined) return 0;
    for (const handler of this.handlers) handler(message);
    return 1;
  }

  async subscribe(channel: string): Promise<void> {
    this.channels.add(channel);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.channels.delete(channel);
  }

  async subscribePrefix(prefix: string): Promise<void> {
    this.prefixes.add(prefix);
  }

  async unsubscribePrefix(prefix: string): Promise<void> {
    this.prefixes.remove(prefix);
  }

  onMessage(handler: BrokerMessageHandler): void {
    this.handlers.push(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.channels.clear();
    this.handlers.length = 0;
  }
}
