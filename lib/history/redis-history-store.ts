import type { Logger } from '../logger.js';
import { jsonText, storedJson } from '../raw-json.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import { continuesInto, emptyEpoch, newEpoch, newInstance } from './epochs.js';
import { answerRead, type HistoryEvent, type HistoryQuery, type HistoryRead, type HistoryStore, type StreamPosition } from './history-store.js';
import { appendScript, readScript } from './redis-history-scripts.js';
import type { Retention } from './retention.js';

/** What a {@link RedisHistoryStore} needs. */
export interface RedisHistoryStoreDeps {
  connection: RedisConnection;
  logger: Logger;
  /** Seconds a channel's offset and epoch live after its last use. */
  metaTtl: number;
  /** Clock in ms for event ages (sinon fake timers replace `Date.now`). */
  now?: () => number;
}

/** A stream entry as XREVRANGE gives it: id, then field/value pairs. */
type StreamEntry = [id: string, fields: string[]];

/**
 * How much node clocks may disagree: the empty-epoch window is metaTtl less this, as the empty
 * read and the first append of a channel may happen on different nodes.
 */
const CLOCK_SKEW_MS = 60_000;

/**
 * History shared by every node through Redis (see `redis-history-scripts.ts`). Redis bounds
 * each channel by count (MAXLEN) and drops idle channels' events after their ttl; a read also
 * leaves out the events older than the ttl. Total memory is Redis's own `maxmemory` concern.
 */
export class RedisHistoryStore implements HistoryStore {
  private readonly now: () => number;

  constructor(private readonly deps: RedisHistoryStoreDeps) {
    this.now = deps.now ?? (() => Date.now());
  }

  async append(channel: string, input: { event: string; data: unknown }, retention: Retention): Promise<StreamPosition> {
    const now = this.now();
    const args = [
      ...this.keys(channel),
      this.instanceKey(),
      newEpoch(now),
      newInstance(),
      this.metaTtl(retention),
      retention.size,
      retention.ttl * 1000,
      now,
      input.event,
      jsonText(input.data) ?? 'null',
    ];
    const [offset, epoch] = (await this.deps.connection.run('history append', (redis) => appendScript.run(redis, args))) as [number, string];
    return { offset: Number(offset), epoch: String(epoch) };
  }

  async read(channel: string, retention: Retention, query: HistoryQuery = {}): Promise<HistoryRead> {
    const args = [...this.keys(channel), this.instanceKey(), this.metaTtl(retention), query.since ?? -1, newInstance()];
    const [rawEpoch, rawOffset, entries, rawInstance] = (await this.deps.connection.run('history read', (redis) => readScript.run(redis, args))) as [
      string,
      number,
      StreamEntry[],
      string,
    ];
    const now = this.now();
    const instance = String(rawInstance);
    const current = rawEpoch === '' ? undefined : String(rawEpoch);
    // lostAt 0: Redis forgets a channel early only by eviction (maxmemory), which it does not
    // report; the README asks for a policy that does not evict history keys.
    const continuity = { instance, now, windowMs: this.deps.metaTtl * 1000 - CLOCK_SKEW_MS, lostAt: 0 };
    const continues = query.epoch === undefined || continuesInto(query.epoch, current, continuity);
    if (current === undefined) return answerRead({ offset: 0, epoch: emptyEpoch(instance, now) }, [], query, continues);
    const kept = this.unexpired(entries.map(parseEntry).reverse(), retention);
    return answerRead({ offset: Number(rawOffset), epoch: current }, kept, query, continues);
  }

  /** The Redis clients belong to the adapter, which closes them. */
  async close(): Promise<void> {}

  /**
   * Leaves out events past the ttl, from the head only: node clocks may disagree a little,
   * and dropping from the middle would make a hole that `complete` cannot see.
   */
  private unexpired(events: HistoryEvent[], retention: Retention): HistoryEvent[] {
    const oldest = this.now() - retention.ttl * 1000;
    let drop = 0;
    events.forEach((event, index) => {
      if (event.timestamp <= oldest) drop = index + 1;
    });
    return events.slice(drop);
  }

  private instanceKey(): string {
    return this.deps.connection.key('history', 'instance');
  }

  private keys(channel: string): [string, string] {
    // Braces: a Redis Cluster hash tag keeps both keys of a channel in one slot.
    return [this.deps.connection.key('history', `{${channel}}`, 'meta'), this.deps.connection.key('history', `{${channel}}`, 'events')];
  }

  /** The counter outlives the events: at least metaTtl, and never shorter than the events. */
  private metaTtl(retention: Retention): number {
    return Math.max(this.deps.metaTtl, retention.ttl, 1);
  }
}

function parseEntry([, fields]: StreamEntry): HistoryEvent {
  const value: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) value[fields[i]!] = fields[i + 1]!;
  // The data's JSON text as stored, byte for byte (a backend's big number keeps its digits).
  return { offset: Number(value.o), event: value.e ?? '', data: storedJson(value.d ?? 'null'), timestamp: Number(value.t) };
}
