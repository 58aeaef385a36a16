import type { HistoryEvent, HistoryQuery, HistoryStore } from '../history/history-store.js';
import type { IdempotencyStore } from '../history/idempotency-store.js';
import type { Retention } from '../history/retention.js';
import type { SignatureReplayStore } from '../signing/replay-store.js';
import type { RpcHandler } from './rpc.js';
import { fromWireData, withWireData, type WireData } from './wire.js';

/** The stores the primary keeps for all workers (memory ones: one machine, one copy). */
export interface SharedStores {
  history: HistoryStore;
  idempotency: IdempotencyStore;
  replays: SignatureReplayStore;
}

/**
 * The operations workers call on the primary's history, idempotency and replay stores (see
 * ipc-stores.ts): a channel's offsets, an idempotency key or a v3 signature mean the same on
 * every worker, as they would on one process.
 */
export function storeHandlers(stores: SharedStores): Record<string, RpcHandler> {
  return {
    'history.append': (_worker: number, channel: string, event: { event: string; data: WireData }, retention: Retention) =>
      stores.history.append(channel, { event: event.event, data: fromWireData(event.data) }, retention),
    'history.read': async (_worker: number, channel: string, retention: Retention, query?: HistoryQuery) => {
      const read = await stores.history.read(channel, retention, query);
      return { ...read, events: read.events.map((event: HistoryEvent) => withWireData(event)) };
    },
    'idempotency.claim': (_worker: number, channel: string, key: string) => stores.idempotency.claim(channel, key),
    'idempotency.complete': (_worker: number, channel: string, key: string, status: number) => stores.idempotency.complete(channel, key, status),
    'idempotency.release': (_worker: number, channel: string, key: string) => stores.idempotency.release(channel, key),
    'replays.claim': (_worker: number, signature: string, timestamp: number, expiresAt: number) => stores.replays.claim(signature, timestamp, expiresAt),
    'replays.release': (_worker: number, signature: string) => stores.replays.release(signature),
  };
}
