import type { Link } from './link.js';
import type { RpcHandler } from './rpc.js';

/** A broker message as it crosses the IPC channel (see ipc-broker.ts); the hub reads its channel only. */
export interface WireBrokerMessage {
  channel: string;
  [field: string]: unknown;
}

/**
 * The primary's half of the in-machine broker: which workers have subscribers on which channel,
 * and the relay of every published message to exactly those workers, in the order published.
 */
export class BrokerHub {
  private readonly channels = new Map<string, Set<number>>();
  private readonly byWorker = new Map<number, Set<string>>();

  constructor(private readonly links: (worker: number) => Link | undefined) {}

  /** The operations workers call (see `IpcBroker`). */
  handlers(): Record<string, RpcHandler> {
    return {
      'broker.publish': (_worker: number, message: WireBrokerMessage) => this.publish(message),
      'broker.subscribe': (worker: number, channel: string) => this.subscribe(worker, channel),
      'broker.unsubscribe': (worker: number, channel: string) => this.unsubscribe(worker, channel),
      'broker.leave': (worker: number) => this.dropWorker(worker),
    };
  }

  /** Sends the message to every worker subscribed to its channel; returns how many. */
  publish(message: WireBrokerMessage): number {
    const workers = this.channels.get(message.channel);
    if (!workers) return 0;
    for (const worker of workers) this.links(worker)?.send({ kind: 'deliver', message });
    return workers.size;
  }

  subscribe(worker: number, channel: string): void {
    let workers = this.channels.get(channel);
    if (!workers) this.channels.set(channel, (workers = new Set()));
    workers.add(worker);
    let channels = this.byWorker.get(worker);
    if (!channels) this.byWorker.set(worker, (channels = new Set()));
    channels.add(channel);
  }

  unsubscribe(worker: number, channel: string): void {
    const workers = this.channels.get(channel);
    if (workers?.delete(worker) && workers.size === 0) this.channels.delete(channel);
    this.byWorker.get(worker)?.delete(channel);
  }

  /** Forgets a worker's subscriptions (it closed its broker, or died). */
  dropWorker(worker: number): void {
    for (const channel of this.byWorker.get(worker) ?? []) {
      const workers = this.channels.get(channel);
      if (workers?.delete(worker) && workers.size === 0) this.channels.delete(channel);
    }
    this.byWorker.delete(worker);
  }
}
