import { jsonText } from '../raw-json.js';
import { continuesInto, emptyEpoch, newEpoch, newInstance } from './epochs.js';
import { answerRead, type HistoryEvent, type HistoryQuery, type HistoryRead, type HistoryStore, type StreamPosition } from './history-store.js';
import type { Retention } from './retention.js';

/** What {@link MemoryHistoryStore} takes. */
export interface MemoryHistoryOptions {
  /** Bound on the estimated bytes of every kept event and channel counter together. */
  maxMemoryBytes: number;
  /** Seconds a channel's offset and epoch are kept after its last use when it has no events. */
  metaTtl: number;
  /** Milliseconds between sweeps of expired events (default 5000). */
  sweepIntervalMs?: number;
  /** Clock in ms (sinon fake timers replace `Date.now`). */
  now?: () => number;
}

interface StoredEvent extends HistoryEvent {
  /** Estimated memory, counted against `maxMemoryBytes`. */
  bytes: number;
}

interface ChannelHistory {
  readonly name: string;
  readonly epoch: string;
  offset: number;
  /** Oldest first, consecutive offsets: events only leave from the head, so there is no hole. */
  events: StoredEvent[];
  /** Last append or read, ms. */
  touched: number;
  /** Event lifetime in ms, as of the last append. */
  ttlMs: number;
}

/** Estimated cost of a channel's counter and of one event besides its JSON. */
const CHANNEL_OVERHEAD_BYTES = 160;
const EVENT_OVERHEAD_BYTES = 96;

/**
 * History for one process. Bounded three ways: per channel by count and age (its retention),
 * and in total by `maxMemoryBytes`, beyond which the oldest events of the least recently used
 * channels go first, then the counters of idle channels (whose epoch then changes). Only events
 * take memory: reading a channel that has none stores nothing. Restarting the process loses
 * everything, and every channel gets a new epoch.
 */
export class MemoryHistoryStore implements HistoryStore {
  /** In least recently used order: a use moves the channel to the end. */
  private readonly channels = new Map<string, ChannelHistory>();
  private bytes = 0;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;
  /** This process's history: empty epochs from another (before a restart) never continue. */
  private readonly instance = newInstance();
  /** When memory pressure last made the store forget a channel early (empty epochs seen before do not continue). */
  private lostAt = 0;

  constructor(private readonly options: MemoryHistoryOptions) {
    this.now = options.now ?? (() => Date.now());
    this.sweeper = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 5000);
    this.sweeper.unref();
  }

  async append(channel: string, input: { event: string; data: unknown }, retention: Retention): Promise<StreamPosition> {
    const now = this.now();
    const state = this.use(channel, now) ?? this.start(channel, now);
    state.offset += 1;
    state.ttlMs = retention.ttl * 1000;
    const stored: StoredEvent = { offset: state.offset, event: input.event, data: input.data, timestamp: now, bytes: estimateBytes(input) };
    if (retention.size > 0 && retention.ttl > 0 && stored.bytes <= this.options.maxMemoryBytes) {
      state.events.push(stored);
      this.bytes += stored.bytes;
    } else {
      // Not kept: the events before it can no longer be followed without a hole, so drop them.
      this.dropHead(state, state.events.length);
    }
    this.prune(state, now, retention.size);
    this.enforceMemory(state);
    return { offset: state.offset, epoch: state.epoch };
  }

  async read(channel: string, retention: Retention, query: HistoryQuery = {}): Promise<HistoryRead> {
    const now = this.now();
    const state = this.use(channel, now);
    const continuity = { instance: this.instance, now, windowMs: this.options.metaTtl * 1000, lostAt: this.lostAt };
    const continues = query.epoch === undefined || continuesInto(query.epoch, state?.epoch, continuity);
    if (!state) return answerRead({ offset: 0, epoch: emptyEpoch(this.instance, now) }, [], query, continues);
    state.ttlMs = retention.ttl * 1000;
    this.prune(state, now, retention.size);
    const events = state.events.map(({ offset, event, data, timestamp }) => ({ offset, event, data, timestamp }));
    return answerRead({ offset: state.offset, epoch: state.epoch }, events, query, continues);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.channels.clear();
    this.bytes = 0;
  }

  /** Estimated bytes in use (tests, metrics). */
  memoryBytes(): number {
    return this.bytes;
  }

  /** Channels with a counter (tests, metrics). */
  channelCount(): number {
    return this.channels.size;
  }

  /** Drops expired events everywhere and forgets idle channels that have none. */
  sweep(): void {
    const now = this.now();
    for (const state of [...this.channels.values()]) {
      this.prune(state, now, Number.POSITIVE_INFINITY);
      if (state.events.length === 0 && now - state.touched > this.options.metaTtl * 1000) this.forget(state);
    }
  }

  /** The channel's state, marked as used now (moved to the most recently used end); none: undefined. */
  private use(channel: string, now: number): ChannelHistory | undefined {
    const state = this.channels.get(channel);
    if (!state) return undefined;
    this.channels.delete(channel);
    state.touched = now;
    this.channels.set(channel, state);
    return state;
  }

  /** A new lifetime for a channel with no state (its first event). */
  private start(channel: string, now: number): ChannelHistory {
    const state: ChannelHistory = { name: channel, epoch: newEpoch(now), offset: 0, events: [], touched: now, ttlMs: 0 };
    this.bytes += channelBytes(channel);
    this.channels.set(channel, state);
    return state;
  }

  /** Drops events past the channel's count or age. */
  private prune(state: ChannelHistory, now: number, size: number): void {
    const oldest = now - state.ttlMs;
    let drop = Math.max(0, state.events.length - size);
    while (drop < state.events.length && state.events[drop]!.timestamp <= oldest) drop += 1;
    this.dropHead(state, drop);
  }

  private dropHead(state: ChannelHistory, count: number): void {
    if (count <= 0) return;
    for (const stored of state.events.splice(0, count)) this.bytes -= stored.bytes;
  }

  /** Over budget: oldest events of the least recently used channels, then idle counters. */
  private enforceMemory(current: ChannelHistory): void {
    if (this.bytes <= this.options.maxMemoryBytes) return;
    for (const state of this.channels.values()) {
      while (state.events.length > 0 && this.bytes > this.options.maxMemoryBytes) this.dropHead(state, 1);
      if (this.bytes <= this.options.maxMemoryBytes) return;
    }
    for (const state of [...this.channels.values()]) {
      if (state === current) continue;
      this.forget(state);
      // Forgotten before its metaTtl: no empty epoch seen until now may continue past this.
      this.lostAt = this.now();
      if (this.bytes <= this.options.maxMemoryBytes) return;
    }
  }

  private forget(state: ChannelHistory): void {
    this.dropHead(state, state.events.length);
    this.channels.delete(state.name);
    this.bytes -= channelBytes(state.name);
  }
}

function channelBytes(channel: string): number {
  return CHANNEL_OVERHEAD_BYTES + 2 * channel.length;
}

/** Estimated memory of a kept event: its JSON size plus a fixed overhead. */
function estimateBytes(input: { event: string; data: unknown }): number {
  const json = jsonText(input.data) ?? '';
  return EVENT_OVERHEAD_BYTES + 2 * (json.length + input.event.length);
}
