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
