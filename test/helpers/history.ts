import { expect } from 'chai';
import { signTrigger } from '../../lib/signing.js';

/** What {@link historyUrl} needs. */
export interface HistoryUrlInput {
  baseUrl: string;
  channel: string;
  secret: string;
  since?: number;
  limit?: number;
  /** Unix seconds; default now. */
  timestamp?: number;
}

/** A signed `GET /pushy/channel/<channel>/history` URL: a trigger signature of `pushy:history` with body `{}`. */
export function historyUrl(input: HistoryUrlInput): string {
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
  const channel = input.channel.toLowerCase();
  const url = new URL(`/pushy/channel/${encodeURIComponent(channel)}/history`, input.baseUrl);
  if (input.since !== undefined) url.searchParams.set('since', String(input.since));
  if (input.limit !== undefined) url.searchParams.set('limit', String(input.limit));
  url.searchParams.set('timestamp', String(timestamp));
  url.searchParams.set('auth_key', signTrigger({ channel, event: 'pushy:history', timestamp, body: '', secretKey: input.secret }));
  return url.toString();
}

/** GETs a URL and reads the JSON answer. */
export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

/**
 * What a client recovering across a Redis failover must get, by the numbers its events carried:
 * every acknowledged one (`published`), each event once, the acknowledged ones in the order they
 * were sent. An event answered 503 may be missing, or land after a later one (its command was
 * queued, not refused): 503 promises only "not known to be stored yet".
 */
export function expectRecoveredAcrossFailover(numbers: readonly number[], published: readonly number[]): void {
  expect(numbers).to.include.members(published);
  expect(new Set(numbers).size, 'each event once').to.equal(numbers.length);
  const acknowledged = numbers.filter((number) => published.includes(number));
  expect(acknowledged, 'acknowledged events in the order sent').to.deep.equal([...acknowledged].sort((x, y) => x - y));
}
