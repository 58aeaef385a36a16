import type { OnFull } from './channel-rule.js';
import { checkClaim, type ClaimResult, type ExclusiveChannelStore } from './exclusive-channel-store.js';
import type { RpcClient } from '../ipc/rpc.js';

/**
 * A worker's places on exclusive channels when several workers share one machine without Redis:
 * kept by the primary (ipc-exclusive-host.ts) for every worker, so that a channel's
 * `maxSubscribers` counts the machine's subscribers. `nodeId` is the worker's node id, whose
 * places `releaseNode` gives back (the primary also gives them back when the worker dies).
 */
export class IpcExclusiveChannelStore implements ExclusiveChannelStore {
  private readonly registered: Promise<void>;

  constructor(
    private readonly rpc: RpcClient,
    nodeId: string,
  ) {
    this.registered = rpc.call('exclusive.node', nodeId);
  }

  async claim(app: string, channel: string, subscriberId: string, limit: number, onFull: OnFull): Promise<ClaimResult> {
    // A caller's bug is a TypeError here, as in the other stores, not an error from the primary.
    checkClaim(subscriberId, limit);
    await this.registered;
    return this.rpc.call('exclusive.claim', app, channel, subscriberId, limit, onFull);
  }

  release(app: string, channel: string, subscriberId: string): Promise<void> {
    return this.rpc.call('exclusive.release', app, channel, subscriberId);
  }

  holders(app: string, channel: string): Promise<string[]> {
    return this.rpc.call('exclusive.holders', app, channel);
  }

  async releaseNode(nodeId: string): Promise<number> {
    await this.registered;
    return this.rpc.call('exclusive.releaseNode', nodeId);
  }

  async close(): Promise<void> {}
}
