import { RawJson } from '../raw-json.js';

/**
 * Event data as it crosses the IPC channel (which carries JSON): a {@link RawJson} keeps its
 * exact text (`{ raw }`), anything else travels as the JSON value it is (`{ json }`).
 */
export type WireData = { raw: string } | { json: unknown };

/** Wraps event data for the IPC channel. */
export function toWireData(data: unknown): WireData {
  return data instanceof RawJson ? { raw: data.text } : { json: data };
}

/** Takes event data back from the IPC channel. */
export function fromWireData(wire: WireData): unknown {
  return 'raw' in wire ? new RawJson(wire.raw) : wire.json;
}

/** A record whose `data` travels as {@link WireData}. */
export type WithWireData<T extends { data: unknown }> = Omit<T, 'data'> & { data: WireData };

/** Copies a record with its `data` wrapped for the IPC channel. */
export function withWireData<T extends { data: unknown }>(record: T): WithWireData<T> {
  return { ...record, data: toWireData(record.data) };
}

/** Copies a record received over the IPC channel with its `data` unwrapped. */
export function withData<T extends { data: unknown }>(record: WithWireData<T>): T {
  return { ...record, data: fromWireData(record.data) } as unknown as T;
}
