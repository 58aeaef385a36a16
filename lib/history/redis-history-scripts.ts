import { RedisScript } from '../redis/redis-script.js';

/*
 * History in Redis, shared by every node, so a client recovers whichever node it comes back to.
 * Keys (P = the key prefix, C = the channel name):
 *
 *   P history:{C}:meta    hash    epoch, offset (last one given); expires metaTtl after last use
 *   P history:{C}:events  stream  one entry per kept event: o (offset), t (ms, publishing node's
 *                                 clock), e (event name), d (data JSON); MAXLEN = the channel's
 *                                 size; expires ttl after the last append
 *
 * Both scripts run atomically, so an offset is given once cluster-wide and a read sees the
 * counter and the events at the same instant. A meta hash that is gone (expired, Redis
 * restarted or flushed) is recreated with a new epoch and any stale events are dropped.
 */

const ENSURE_META = `
local meta, events = ARGV[1], ARGV[2]
local epoch = redis.call('HGET', meta, 'epoch')
local offset = 0
if not epoch then
  epoch = ARGV[3]
  redis.call('HSET', meta, 'epoch', epoch, 'offset', 0)
  redis.call('DEL', events)
else
  offset = tonumber(redis.call('HGET', meta, 'offset'))
end
redis.call('EXPIRE', meta, tonumber(ARGV[4]))
`;

/** ARGV: meta, events, newEpoch, metaTtl s, size, ttl ms, now ms, event, data JSON -> {offset, epoch}. */
export const appendScript = new RedisScript(`${ENSURE_META}
offset = redis.call('HINCRBY', meta, 'offset', 1)
local size, ttl = tonumber(ARGV[5]), tonumber(ARGV[6])
if size > 0 and ttl > 0 then
  redis.call('XADD', events, 'MAXLEN', size, '*', 'o', offset, 't', ARGV[7], 'e', ARGV[8], 'd', ARGV[9])
  redis.call('PEXPIRE', events, ttl)
else
  redis.call('DEL', events)
end
return {offset, epoch}
`);

/**
 * ARGV: meta, events, newEpoch, metaTtl s, since (-1: none) -> {epoch, offset, entries}, the
 * entries being the newest (offset - since) of the stream, newest first.
 */
export const readScript = new RedisScript(`${ENSURE_META}
local since = tonumber(ARGV[5])
local entries = {}
if since >= 0 and offset > since then
  entries = redis.call('XREVRANGE', events, '+', '-', 'COUNT', offset - since)
end
return {epoch, offset, entries}
`);
