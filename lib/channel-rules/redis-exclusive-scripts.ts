import { RedisScript } from '../redis/redis-script.js';

/*
 * Places on limited channels in Redis. Each script runs atomically, so a full channel is full
 * for every node at once. Keys (P = the key prefix; braces end the channel name, which cannot
 * contain them):
 *
 *   P excl:<app>:{<channel>}         zset  subscriberId -> claim sequence (oldest lowest)
 *   P excl:<app>:{<channel>}:owner   hash  subscriberId -> nodeId that claimed
 *   P excl-node:<nodeId>             set   "<app>\n<channel>\n<subscriberId>" claimed by the node
 *   P excl-seq                       counter of claims, for the order of the zsets
 *
 * Redis removes a zset, hash or set with its last member, so released places leave nothing.
 */

const PRELUDE = `
local P = ARGV[1]
local function base(app, channel) return P .. 'excl:' .. app .. ':{' .. channel .. '}' end
local function node_key(node) return P .. 'excl-node:' .. node end
local function entry(app, channel, sub) return app .. '\\n' .. channel .. '\\n' .. sub end
-- Removes one holder everywhere it is recorded.
local function drop(app, channel, sub)
  local b = base(app, channel)
  local owner = redis.call('HGET', b .. ':owner', sub)
  if owner then redis.call('SREM', node_key(owner), entry(app, channel, sub)) end
  redis.call('HDEL', b .. ':owner', sub)
  return redis.call('ZREM', b, sub)
end
`;

/**
 * ARGV: prefix, nodeId, app, channel, subscriberId, limit, onFull ("reject" | "replace").
 * Returns {admitted (1|0), evicted subscriberIds...}.
 */
export const claimScript = new RedisScript(`${PRELUDE}
local node, app, channel, sub, limit, on_full = ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), ARGV[7]
local b = base(app, channel)
if redis.call('ZSCORE', b, sub) then return {1} end
local result = {1}
local count = redis.call('ZCARD', b)
if count >= limit then
  if on_full ~= 'replace' then return {0} end
  for _, old in ipairs(redis.call('ZRANGE', b, 0, count - limit)) do
    drop(app, channel, old)
    table.insert(result, old)
  end
end
redis.call('ZADD', b, redis.call('INCR', P .. 'excl-seq'), sub)
redis.call('HSET', b .. ':owner', sub, node)
redis.call('SADD', node_key(node), entry(app, channel, sub))
return result
`);

/** ARGV: prefix, app, channel, subscriberId. Returns 1 when a place was given back. */
export const releaseScript = new RedisScript(`${PRELUDE}
return drop(ARGV[2], ARGV[3], ARGV[4])
`);

/** ARGV: prefix, nodeId. Gives back every place the node claimed; returns how many. */
export const releaseNodeScript = new RedisScript(`${PRELUDE}
local node = ARGV[2]
local released = 0
for _, e in ipairs(redis.call('SMEMBERS', node_key(node))) do
  local first = string.find(e, '\\n', 1, true)
  local second = string.find(e, '\\n', first + 1, true)
  local app, channel, sub = string.sub(e, 1, first - 1), string.sub(e, first + 1, second - 1), string.sub(e, second + 1)
  if redis.call('HGET', base(app, channel) .. ':owner', sub) == node then released = released + drop(app, channel, sub) end
end
redis.call('DEL', node_key(node))
return released
`);
