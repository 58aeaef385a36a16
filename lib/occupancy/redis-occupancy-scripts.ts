import { RedisScript } from '../redis/redis-script.js';

/*
 * Channel occupancy in Redis. Every script runs atomically, so "first in the cluster" and "last
 * in the cluster" are decided once. Keys (P = the key prefix):
 *
 *   P occupancy:<channel>        hash    nodeId -> 1 while that node has local subscribers
 *   P node:<nodeId>:occupied     set     channels where that node has local subscribers (reaping)
 *   P removal:<marker>           string  "<token>|<ms>": a removal pending since then (its owner's token)
 *   P nodes                      zset    nodeId -> deadline (nodes/node-liveness.ts)
 *
 * Markers expire after MARKER_TTL_MS: a marker whose owner died before confirming is settled by
 * the next return ('owed') within that time, else forgotten.
 */

/** How long an unconfirmed removal marker is kept (a day). */
export const MARKER_TTL_MS = 86_400_000;

const PRELUDE = `
local P = ARGV[1]
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- 'new' when nothing is pending under the marker, else removes it: 'back' within delay, 'owed' after.
local function resume(marker, delay)
  local pending = redis.call('GET', P .. 'removal:' .. marker)
  if not pending then return 'new' end
  redis.call('DEL', P .. 'removal:' .. marker)
  local at = tonumber(string.match(pending, '|(%d+)$') or '0')
  if now_ms() - at < delay then return 'back' end
  return 'owed'
end
local function mark(marker, token)
  redis.call('SET', P .. 'removal:' .. marker, token .. '|' .. now_ms(), 'PX', ${MARKER_TTL_MS})
end
`;

/** ARGV: prefix, nodeId, nodeTimeout, channel, delay. Returns 'none' | 'new' | 'back' | 'owed'. */
export const occupyScript = new RedisScript(`${PRELUDE}
local node, ttl, channel, delay = ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
-- A node that occupies before its first heartbeat is still reapable if it dies.
redis.call('ZADD', P .. 'nodes', 'NX', now_ms() + ttl, node)
redis.call('SADD', P .. 'node:' .. node .. ':occupied', channel)
local key = P .. 'occupancy:' .. channel
if redis.call('HSETNX', key, node, 1) == 0 or redis.call('HLEN', key) > 1 then return 'none' end
return resume('c:' .. channel, delay)
`);

/** ARGV: prefix, nodeId, channel, token. Returns 1 when the channel is now empty everywhere (and marked). */
export const vacateScript = new RedisScript(`${PRELUDE}
local node, channel, token = ARGV[2], ARGV[3], ARGV[4]
redis.call('SREM', P .. 'node:' .. node .. ':occupied', channel)
local key = P .. 'occupancy:' .. channel
if redis.call('HDEL', key, node) == 0 or redis.call('EXISTS', key) == 1 then return 0 end
mark('c:' .. channel, token)
return 1
`);

/** ARGV: prefix, marker, token. */
export const markScript = new RedisScript(`${PRELUDE}
mark(ARGV[2], ARGV[3])
return 1
`);

/** ARGV: prefix, marker, delay. Returns 'new' | 'back' | 'owed'. */
export const resumeScript = new RedisScript(`${PRELUDE}
return resume(ARGV[2], tonumber(ARGV[3]))
`);

/** ARGV: prefix, marker, token. Returns 1 (and removes the marker) when it is still that token's. */
export const confirmScript = new RedisScript(`${PRELUDE}
local key = P .. 'removal:' .. ARGV[2]
local pending = redis.call('GET', key)
if not pending or string.sub(pending, 1, #ARGV[3] + 1) ~= ARGV[3] .. '|' then return 0 end
redis.call('DEL', key)
return 1
`);

/**
 * Takes dead nodes out of every channel they occupied. ARGV: prefix, nodeIds... Returns the
 * channels that are empty now; a second reaper of the same node finds nothing, so each is
 * reported once.
 */
export const reapScript = new RedisScript(`${PRELUDE}
local vacated = {}
for i = 2, #ARGV do
  local set = P .. 'node:' .. ARGV[i] .. ':occupied'
  for _, channel in ipairs(redis.call('SMEMBERS', set)) do
    local key = P .. 'occupancy:' .. channel
    if redis.call('HDEL', key, ARGV[i]) == 1 and redis.call('EXISTS', key) == 0 then table.insert(vacated, channel) end
  end
  redis.call('DEL', set)
end
return vacated
`);

/** This node's state after Redis lost it (or took the node for dead). ARGV: prefix, nodeId, nodeTimeout, channels... Returns the channels it was first on. */
export const restoreScript = new RedisScript(`${PRELUDE}
local node, ttl = ARGV[2], tonumber(ARGV[3])
local firsts = {}
for i = 4, #ARGV do
  redis.call('SADD', P .. 'node:' .. node .. ':occupied', ARGV[i])
  local key = P .. 'occupancy:' .. ARGV[i]
  if redis.call('HSETNX', key, node, 1) == 1 and redis.call('HLEN', key) == 1 then table.insert(firsts, ARGV[i]) end
end
return firsts
`);
