import type { Link } from './link.js';
import type { RpcHandler } from './rpc.js';

/** A broker message as it crosses the IPC channel (see ipc-broker.ts); the hub does not read it. */
export type WireBrokerMessage = Record<string, unknown>;

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
      'broker.publish': (_worker: number, channelKey: string, message: WireBrokerMessage) => this.publish(channelKey, message),
      'broker.subscribe': (worker: number, channelKey: string) => this.subscribe(worker, channelKey),
      'broker.unsubscribe': (worker: number, channelKey: string) => this.unsubscribe(worker, channelKey),
      'broker.leave': (worker: number) => this.dropWorker(worker),
    };
  }

  /** Sends the message to every worker subscribed to its channel (by key); returns how many. */
  publish(channelKey: string, message: WireBrokerMessage): number {
    const workers = this.channels.get(channelKey);
    if (!workers) return 0;
    for (const worker of workers) this.links(worker)?.send({ kind: 'deliver', message });
    return workers.size;
  }

  subscribe(worker: number, channelKey: string): void {
    let workers = this.channels.get(channelKey);
    if (!workers) this.channels.set(channelKey, (workers = new Set()));
    workers.add(worker);
    let channels = this.byWorker.get(worker);
    if (!channels) this.byWorker.set(worker, (channels = new Set()));
    channels.add(channelKey);
  }

  unsubscribe(worker: number, channelKey: string): void {
    const workers = this.channels.get(channelKey);
    if (workers?.delete(worker) && workers.size === 0) this.channels.delete(channelKey);
    this.byWorker.get(worker)?.delete(channelKey);
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
