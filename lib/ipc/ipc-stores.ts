import type { HistoryEvent, HistoryQuery, HistoryRead, HistoryStore, StreamPosition } from '../history/history-store.js';
import type { IdempotencyClaim, IdempotencyStore } from '../history/idempotency-store.js';
import type { Retention } from '../history/retention.js';
import type { ReplayClaim, SignatureReplayStore } from '../signing/replay-store.js';
import type { RpcClient } from './rpc.js';
import { toWireData, withData, type WithWireData } from './wire.js';

/*
 * A worker's history, idempotency and replay stores when several workers share one machine
 * without Redis: each call runs on the primary's store (store-host.ts), so that every worker
 * sees the same offsets, keys and used signatures. Closing one closes nothing shared.
 */

/** History kept by the primary. */
export class IpcHistoryStore implements HistoryStore {
  constructor(private readonly rpc: RpcClient) {}

  append(channel: string, event: { event: string; data: unknown }, retention: Retention): Promise<StreamPosition> {
    return this.rpc.call<StreamPosition>('history.append', channel, { event: event.event, data: toWireData(event.data) }, retention);
  }

  async read(channel: string, retention: Retention, query?: HistoryQuery): Promise<HistoryRead> {
    const read = await this.rpc.call<Omit<HistoryRead, 'events'> & { events: WithWireData<HistoryEvent>[] }>('history.read', channel, retention, query);
    return { ...read, events: read.events.map((event) => withData<HistoryEvent>(event)) };
  }

  async close(): Promise<void> {}
}

/** Idempotency keys kept by the primary. */
export class IpcIdempotencyStore implements IdempotencyStore {
  constructor(private readonly rpc: RpcClient) {}

  claim(channel: string, key: string): Promise<IdempotencyClaim> {
    return this.rpc.call<IdempotencyClaim>('idempotency.claim', channel, key);
  }

  complete(channel: string, key: string, status: number): Promise<void> {
    return this.rpc.call('idempotency.complete', channel, key, status);
  }

  release(channel: string, key: string): Promise<void> {
    return this.rpc.call('idempotency.release', channel, key);
  }

  async close(): Promise<void> {}
}

/** Used v3 signatures kept by the primary. */
export class IpcReplayStore implements SignatureReplayStore {
  constructor(private readonly rpc: RpcClient) {}

  claim(signature: string, timestamp: number, expiresAt: number): Promise<ReplayClaim> {
    return this.rpc.call<ReplayClaim>('replays.claim', signature, timestamp, expiresAt);
  }

  release(signature: string): Promise<void> {
    return this.rpc.call('replays.release', signature);
  }

  async close(): Promise<void> {}
}
