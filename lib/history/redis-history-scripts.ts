import { RedisScript } from '../redis/redis-script.js';

/*
 * History in Redis, shared by every node, so a client recovers whichever node it comes back to.
 * Keys (P = the key prefix, C = the channel name):
 *
 *   P history:{C}:meta    hash    epoch, offset (last one given); expires metaTtl after last use
 *   P history:{C}:events  stream  one entry per kept event: o (offset), t (ms, publishing node's
 *                                 clock), e (event name), d (data JSON); MAXLEN = the channel's
 *                                 size; expires ttl after the last append
 *   P history:instance    string  this Redis's history instance: set with the first channel state or read
 *                                 (again after a flush or a restart without persistence), so
 *                                 that an empty epoch from before a loss never continues
 *
 * Both scripts run atomically, so an offset is given once cluster-wide and a read sees the
 * counter and the events at the same instant. Only an append creates keys: a read of a channel
 * without a meta hash answers "no state" and writes nothing. A meta hash that is gone (expired,
 * Redis restarted or flushed) is recreated by the next append with a new epoch, and any stale
 * events are dropped.
 */

/**
 * ARGV: meta, events, instance key, new epoch, new instance, metaTtl s, size, ttl ms, now ms,
 * event, data JSON -> {offset, epoch}.
 */
export const appendScript = new RedisScript(`
local meta, events = ARGV[1], ARGV[2]
local epoch = redis.call('HGET', meta, 'epoch')
if not epoch then
  epoch = ARGV[4]
  redis.call('HSET', meta, 'epoch', epoch, 'offset', 0)
  redis.call('DEL', events)
  redis.call('SET', ARGV[3], ARGV[5], 'NX')
end
redis.call('EXPIRE', meta, tonumber(ARGV[6]))
local offset = redis.call('HINCRBY', meta, 'offset', 1)
local size, ttl = tonumber(ARGV[7]), tonumber(ARGV[8])
if size > 0 and ttl > 0 then
  redis.call('XADD', events, 'MAXLEN', size, '*', 'o', offset, 't', ARGV[9], 'e', ARGV[10], 'd', ARGV[11])
  redis.call('PEXPIRE', events, ttl)
else
  redis.call('DEL', events)
end
return {offset, epoch}
`);

/**
 * ARGV: meta, events, instance key, metaTtl s, since (-1: none), new instance -> {epoch ('' when
 * the channel has no state), offset, entries, instance}, the entries being the newest
 * (offset - since) of the stream, newest first. The one global instance key is set here when
 * Redis has none yet (a fresh or flushed Redis), so that an empty epoch read before any channel
 * had state still names the instance its first events will carry; no channel state is made.
 */
export const readScript = new RedisScript(`
local meta, events = ARGV[1], ARGV[2]
local instance = redis.call('GET', ARGV[3])
if not instance then
  redis.call('SET', ARGV[3], ARGV[6], 'NX')
  instance = redis.call('GET', ARGV[3])
end
local epoch = redis.call('HGET', meta, 'epoch')
if not epoch then
  return {'', 0, {}, instance}
end
local offset = tonumber(redis.call('HGET', meta, 'offset'))
redis.call('EXPIRE', meta, tonumber(ARGV[4]))
local since = tonumber(ARGV[5])
local entries = {}
if since >= 0 and offset > since then
  entries = redis.call('XREVRANGE', events, '+', '-', 'COUNT', offset - since)
end
return {epoch, offset, entries, instance}
`);
