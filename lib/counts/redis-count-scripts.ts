import { RedisScript } from '../redis/redis-script.js';

/*
 * Subscriber counts in Redis. Every script runs atomically, so each total is the sum at one
 * moment of the channel's history and its version orders it. Keys (P = the key prefix):
 *
 *   P counts:<channel>        hash  nodeId -> that node's subscribers of the channel (> 0);
 *                                   '#v' -> version of the last total
 *   P node:<nodeId>:counted   set   channels where that node has a count (reaping)
 *   P nodes                   zset  nodeId -> deadline (nodes/node-liveness.ts)
 *
 * A version is max(last + 1, Redis TIME in microseconds): it grows even across a channel that
 * emptied (its hash is deleted) and a Redis that restarted empty.
 */

const PRELUDE = `
local P = ARGV[1]
local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
-- The channel's total and a new version; an empty channel's hash goes.
local function settle(key)
  local fields = redis.call('HGETALL', key)
  local sum, last = 0, 0
  for i = 1, #fields, 2 do
    if fields[i] == '#v' then last = tonumber(fields[i + 1]) else sum = sum + tonumber(fields[i + 1]) end
  end
  local version = math.max(last + 1, now_us())
  -- Written with %d: tostring would print a 16-digit number as 1.7e+15, losing digits.
  if sum == 0 then redis.call('DEL', key) else redis.call('HSET', key, '#v', string.format('%d', version)) end
  return {sum, version}
end
-- Writes one node's count of a channel (0 removes it).
local function put(node, channel, n)
  local key = P .. 'counts:' .. channel
  if n > 0 then
    redis.call('HSET', key, node, n)
    redis.call('SADD', P .. 'node:' .. node .. ':counted', channel)
  else
    redis.call('HDEL', key, node)
    redis.call('SREM', P .. 'node:' .. node .. ':counted', channel)
  end
  return settle(key)
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/** ARGV: prefix, nodeId, nodeTimeout, channel, count. Returns {total, version}. */
export const setCountScript = new RedisScript(`${PRELUDE}
local node, ttl = ARGV[2], tonumber(ARGV[3])
-- A node that counts before its first heartbeat is still reapable if it dies.
redis.call('ZADD', P .. 'nodes', 'NX', now_ms() + ttl, node)
return put(node, ARGV[4], tonumber(ARGV[5]))
`);

/**
 * Drops nodes' counts: dead ones (reaping), or this one leaving. ARGV: prefix, nodeIds...
 * Returns {channel, total, version, ...} for each channel whose total changed; a second reaper of
 * the same node finds nothing, so each is reported once.
 */
export const dropCountsScript = new RedisScript(`${PRELUDE}
local changed = {}
for i = 2, #ARGV do
  local set = P .. 'node:' .. ARGV[i] .. ':counted'
  for _, channel in ipairs(redis.call('SMEMBERS', set)) do
    local key = P .. 'counts:' .. channel
    if redis.call('HDEL', key, ARGV[i]) == 1 then
      local settled = settle(key)
      table.insert(changed, channel)
      table.insert(changed, settled[1])
      table.insert(changed, settled[2])
    end
  end
  redis.call('DEL', set)
end
return changed
`);

/**
 * Puts this node's counts back after Redis lost them (or took the node for dead). ARGV: prefix,
 * nodeId, nodeTimeout, then channel, count pairs. Returns {channel, total, version, ...}.
 */
export const restoreCountsScript = new RedisScript(`${PRELUDE}
local node, ttl = ARGV[2], tonumber(ARGV[3])
redis.call('ZADD', P .. 'nodes', 'NX', now_ms() + ttl, node)
local totals = {}
for i = 4, #ARGV, 2 do
  local settled = put(node, ARGV[i], tonumber(ARGV[i + 1]))
  table.insert(totals, ARGV[i])
  table.insert(totals, settled[1])
  table.insert(totals, settled[2])
end
return totals
`);
