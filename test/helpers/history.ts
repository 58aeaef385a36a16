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
