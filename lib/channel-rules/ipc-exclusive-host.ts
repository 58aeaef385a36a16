import type { OnFull } from './channel-rule.js';
import type { ClaimResult } from './exclusive-channel-store.js';
import { MemoryExclusiveChannelStore } from './memory-exclusive-channel-store.js';
import type { RpcHandler } from '../ipc/rpc.js';

/** One place, as the host remembers whose it is. */
const placeKey = (app: string, channel: string, subscriberId: string): string => JSON.stringify([app, channel, subscriberId]);

/**
 * The primary's places on exclusive channels for its workers: one store for the machine (so that
 * `maxSubscribers` counts every worker's subscribers), and which worker claimed each place, so
 * that a worker's places go back when it shuts down (`releaseNode` with its node id) or dies.
 */
export class ExclusiveHost {
  private readonly store = new MemoryExclusiveChannelStore('primary');
  /** worker -> its places (placeKey). */
  private readonly places = new Map<number, Set<string>>();
  /** placeKey -> the worker that holds it. */
  private readonly owners = new Map<string, number>();
  /** worker -> the node id its store answers to. */
  private readonly nodeIds = new Map<number, string>();

  /** The operations workers call (see ipc-exclusive-channel-store.ts). */
  handlers(): Record<string, RpcHandler> {
    return {
      'exclusive.claim': (worker: number, app: string, channel: string, subscriberId: string, limit: number, onFull: OnFull) => this.claim(worker, app, channel, subscriberId, limit, onFull),
      'exclusive.release': (_worker: number, app: string, channel: string, subscriberId: string) => this.release(app, channel, subscriberId),
      'exclusive.holders': (_worker: number, app: string, channel: string) => this.store.holders(app, channel),
      'exclusive.node': (worker: number, nodeId: string) => {
        this.nodeIds.set(worker, nodeId);
      },
      'exclusive.releaseNode': (_worker: number, nodeId: string) => {
        const worker = [...this.nodeIds].find(([, id]) => id === nodeId)?.[0];
        return worker === undefined ? 0 : this.dropWorker(worker);
      },
    };
  }

  private async claim(worker: number, app: string, channel: string, subscriberId: string, limit: number, onFull: OnFull): Promise<ClaimResult> {
    const result = await this.store.claim(app, channel, subscriberId, limit, onFull);
    for (const evicted of result.evicted) this.forget(placeKey(app, channel, evicted));
    if (result.admitted) {
      const key = placeKey(app, channel, subscriberId);
      this.forget(key);
      this.owners.set(key, worker);
      let mine = this.places.get(worker);
      if (!mine) this.places.set(worker, (mine = new Set()));
      mine.add(key);
    }
    return result;
  }

  private async release(app: string, channel: string, subscriberId: string): Promise<void> {
    this.forget(placeKey(app, channel, subscriberId));
    await this.store.release(app, channel, subscriberId);
  }

  /** Gives back every place of a worker (shut down or dead); returns how many. */
  async dropWorker(worker: number): Promise<number> {
    const mine = [...(this.places.get(worker) ?? [])];
    for (const key of mine) {
      const [app, channel, subscriberId] = JSON.parse(key) as [string, string, string];
      await this.release(app, channel, subscriberId);
    }
    this.places.delete(worker);
    return mine.length;
  }

  private forget(key: string): void {
    const owner = this.owners.get(key);
    if (owner === undefined) return;
    this.owners.delete(key);
    this.places.get(owner)?.delete(key);
  }
}
