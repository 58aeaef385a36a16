import { z } from 'zod';

/** A Redis (or Sentinel) address as `adapter.redis.sentinels` lists them. */
export interface RedisEndpoint {
  host: string;
  port: number;
}

const endpointSchema = z.object({ host: z.string().min(1).max(255), port: z.number().int().min(1).max(65535) }).strict();
const endpointsSchema = z.array(endpointSchema).max(64);

/**
 * Reads an endpoint list: an array of `{host, port}` (config file) or a comma-separated
 * `host:port,host:port` string (an environment variable). Throws a message for the config error.
 */
export function parseEndpoints(value: unknown): RedisEndpoint[] {
  const input = typeof value === 'string' ? endpointsFromString(value) : value;
  const parsed = endpointsSchema.safeParse(input);
  if (!parsed.success) throw new Error('must be a list of {host, port} (or "host:port,host:port" in the environment)');
  return parsed.data;
}

function endpointsFromString(text: string): unknown {
  if (text.trim() === '') return [];
  return text.split(',').map((item) => {
    const at = item.lastIndexOf(':');
    return at < 0 ? item : { host: item.slice(0, at).trim(), port: Number(item.slice(at + 1)) };
  });
}

/** The convict format `redis-endpoints`: validates like {@link parseEndpoints}, turning env strings into lists. */
export const redisEndpointsFormat = {
  name: 'redis-endpoints',
  validate: (value: unknown): void => void parseEndpoints(value),
  // Never throws (convict would not name the key): unreadable text stays text, which validate refuses.
  coerce: (value: unknown): unknown => (typeof value === 'string' ? (endpointsSchema.safeParse(endpointsFromString(value)).data ?? value) : value),
};

const urlSchema = z
  .string()
  .max(2000)
  .refine((text) => {
    try {
      return ['redis:', 'rediss:'].includes(new URL(text).protocol);
    } catch {
      return false;
    }
  });
const urlsSchema = z.array(urlSchema).max(64);

/**
 * Reads `adapter.redis.shards`: a list of Redis URLs (or, from the environment, comma-separated
 * text), each naming a distinct server. Throws a message for the config error (never the URLs:
 * they may hold passwords).
 */
export function parseShardUrls(value: unknown): string[] {
  const input = typeof value === 'string' ? splitList(value) : value;
  const parsed = urlsSchema.safeParse(input);
  if (!parsed.success) throw new Error('must be a list of redis:// or rediss:// URLs (or "url,url" in the environment)');
  const ids = parsed.data.map(shardId);
  if (new Set(ids).size !== ids.length) throw new Error('must name each Redis server (host, port and database) once');
  return parsed.data;
}

function splitList(text: string): string[] {
  return text.trim() === '' ? [] : text.split(',').map((item) => item.trim());
}

/**
 * A shard's stable name: `host:port/db` of its URL, without credentials. The hash ring places
 * channels by it, so a shard keeps its channels when the list is reordered or its password changes.
 */
export function shardId(url: string): string {
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, '') || '0';
  return `${parsed.hostname}:${parsed.port || '6379'}/${db}`;
}

/** The convict format `redis-urls` of `adapter.redis.shards`. */
export const redisUrlsFormat = {
  name: 'redis-urls',
  validate: (value: unknown): void => void parseShardUrls(value),
  coerce: (value: unknown): unknown => (typeof value === 'string' ? splitList(value) : value),
};
