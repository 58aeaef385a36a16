import type { Socket } from 'node:net';
import { ExclusiveHost } from '../../lib/channel-rules/ipc-exclusive-host.js';
import { BrokerHub } from '../../lib/ipc/broker-hub.js';
import { OccupancyHost } from '../../lib/ipc/occupancy-host.js';
import { CountHost } from '../../lib/ipc/count-host.js';
import type { ClusterMessage, Link } from '../../lib/ipc/link.js';
import { PresenceHost } from '../../lib/ipc/presence-host.js';
import { RpcClient, RpcHost } from '../../lib/ipc/rpc.js';
import { storeHandlers, type SharedStores } from '../../lib/ipc/store-host.js';
import { MemoryPresenceStore } from '../../lib/presence/presence-store.js';
import { MemoryHistoryStore } from '../../lib/history/memory-history-store.js';
import { MemoryIdempotencyStore } from '../../lib/history/idempotency-store.js';
import { MemoryReplayStore } from '../../lib/signing/replay-store.js';

// Captured at load: a test that fakes timers must not stall the pipe.
const realSetImmediate = setImmediate;

/**
 * Two ends of a pipe that carries messages the way Node's IPC channel does (`serialization:
 * 'json'`): serialised to JSON text and read back, in order, on a later turn of the event loop.
 * The primary's parts in lib/cluster run over it in one process, so that the store and broker
 * contracts can drive several workers' ends at once.
 */
export function linkPair(): { worker: Link & { cut(): void }; primary: Link } {
  type Listener = (message: ClusterMessage, handle: Socket | undefined) => void;
  const listeners: [Set<Listener>, Set<Listener>] = [new Set(), new Set()];
  let connected = true;
  const end = (mine: number): Link => ({
    send(message, _handle, sent) {
      sent?.();
      if (!connected) return;
      const text = JSON.stringify(message);
      realSetImmediate(() => {
        if (!connected) return;
        for (const listener of listeners[1 - mine]!) listener(JSON.parse(text) as ClusterMessage, undefined);
      });
    },
    onMessage(listener) {
      listeners[mine]!.add(listener);
      return () => listeners[mine]!.delete(listener);
    },
    get connected() {
      return connected;
    },
  });
  return {
    worker: Object.assign(end(0), {
      cut: () => {
        connected = false;
      },
    }),
    primary: end(1),
  };
}

/** The primary's shared parts (memory stores, broker hub, presence, occupancy and exclusive-channel hosts) and workers' ends on pipes. */
export class LoopbackCluster {
  readonly links = new Map<number, Link>();
  readonly hub = new BrokerHub((worker) => this.links.get(worker));
  readonly presence = new MemoryPresenceStore();
  readonly presenceHost = new PresenceHost(this.presence, () => this.links);
  readonly occupancyHost = new OccupancyHost(() => this.links);
  readonly countHost = new CountHost(() => this.links);
  readonly exclusiveHost = new ExclusiveHost();
  readonly stores: SharedStores = {
    history: new MemoryHistoryStore({ maxMemoryBytes: 10_000_000, metaTtl: 3600 }),
    idempotency: new MemoryIdempotencyStore({ maxKeys: 1000 }),
    replays: new MemoryReplayStore({ maxKeys: 1000 }),
  };
  private readonly host = new RpcHost({
    ...this.hub.handlers(),
    ...this.presenceHost.handlers(),
    ...this.occupancyHost.handlers(),
    ...this.countHost.handlers(),
    ...this.exclusiveHost.handlers(),
    ...storeHandlers(this.stores),
  });
  private nextWorker = 0;
  private readonly ends = new Map<number, { cut(): void }>();

  /** A new worker's end: its link and a call client on it. */
  worker(): { index: number; link: Link; rpc: RpcClient } {
    const index = this.nextWorker++;
    const { worker, primary } = linkPair();
    this.links.set(index, primary);
    this.ends.set(index, worker);
    this.host.serve(index, primary);
    return { index, link: worker, rpc: new RpcClient(worker) };
  }

  /** A worker dies: its pipe is cut and the primary forgets it, as it does on a worker's exit. */
  async kill(index: number): Promise<void> {
    this.ends.get(index)?.cut();
    this.links.delete(index);
    this.hub.dropWorker(index);
    await this.presenceHost.dropWorker(index);
    await this.occupancyHost.dropWorker(index);
    this.countHost.dropWorker(index);
    await this.exclusiveHost.dropWorker(index);
  }
}
