import { randomUUID } from 'node:crypto';
import { channelKey } from '../apps/namespace.js';
import type { Broker, BrokerMessage, BrokerMessageHandler } from './broker.js';

/**
 * In-process broker for a single node: publishing hands the message straight to this node's
 * handlers when the channel has local subscribers.
 */
export class MemoryBroker implements Broker {
  readonly nodeId = randomUUID();
  private readonly channels = new Set<string>();
  private readonly handlers: BrokerMessageHandler[] = [];
  private closed = false;

  isReady(): boolean {
    return !this.closed;
  }

  get state(): string {
    return this.closed ? 'closed' : 'ready';
  }

  async publish(message: BrokerMessage): Promise<number> {
    if (!this.channels.has(channelKey(message.app, message.channel))) return 0;
    for (const handler of this.handlers) handler(message);
    return 1;
  }

  async subscribe(channel: string): Promise<void> {
    this.channels.add(channel);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.channels.delete(channel);
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
