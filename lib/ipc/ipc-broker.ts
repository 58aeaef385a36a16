import { randomUUID } from 'node:crypto';
import { channelKey } from '../apps/namespace.js';
import type { Broker, BrokerMessage, BrokerMessageHandler } from '../broker/broker.js';
import type { WireBrokerMessage } from './broker-hub.js';
import type { Link } from './link.js';
import type { RpcClient } from './rpc.js';
import { fromWireData, toWireData, type WireData } from './wire.js';

/**
 * A worker's broker when several workers share one machine without Redis: every message goes to
 * the primary, which relays it to the workers subscribed to its channel (this one included),
 * over the IPC channel, so one publisher's order is kept. Passes the broker contract.
 */
export class IpcBroker implements Broker {
  readonly nodeId = randomUUID();
  private readonly handlers: BrokerMessageHandler[] = [];
  private closed = false;
  private readonly removeListener: () => void;

  constructor(
    private readonly link: Link,
    private readonly rpc: RpcClient,
  ) {
    this.removeListener = link.onMessage((message) => {
      if (message.kind !== 'deliver' || this.closed) return;
      const delivered = fromWire(message.message as WireBrokerMessage);
      for (const handler of this.handlers) handler(delivered);
    });
  }

  isReady(): boolean {
    return !this.closed && this.link.connected;
  }

  get state(): string {
    if (this.closed) return 'closed';
    return this.link.connected ? 'ready' : 'primary gone';
  }

  publish(message: BrokerMessage): Promise<number> {
    return this.rpc.call<number>('broker.publish', channelKey(message.app, message.channel), toWire(message));
  }

  subscribe(key: string): Promise<void> {
    return this.rpc.call('broker.subscribe', key);
  }

  unsubscribe(key: string): Promise<void> {
    return this.rpc.call('broker.unsubscribe', key);
  }

  onMessage(handler: BrokerMessageHandler): void {
    this.handlers.push(handler);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.length = 0;
    this.removeListener();
    if (this.link.connected) await this.rpc.call('broker.leave');
  }
}

/** A message for the IPC channel: data held as a RawJson keeps its exact text. */
function toWire(message: BrokerMessage): WireBrokerMessage {
  const wire: WireBrokerMessage = { ...(message as object as WireBrokerMessage) };
  if ('data' in message) wire.data = toWireData(message.data);
  return wire;
}

function fromWire(wire: WireBrokerMessage): BrokerMessage {
  return ('data' in wire ? { ...wire, data: fromWireData(wire.data as WireData) } : wire) as unknown as BrokerMessage;
}
