import { RedisScript } from '../redis/redis-script.js';

/*
 * Presence in Redis. Every script runs atomically, so "first connection in" and "last
 * connection out" are decided once for the whole cluster. Keys (P = the key prefix):
 *
 *   P presence:<channel>:members  hash  memberKey -> member JSON (as the first connection joined)
 *   P presence:<channel>:count    hash  memberKey -> number of connections, all nodes
 *   P presence:<channel>:conns    hash  "<nodeId>|<connectionId>" -> memberKey
 *   P node:<nodeId>:channels      hash  channel -> this node's connections there
 *   P nodes                       zset  nodeId -> deadline (ms, Redis clock) of its heartbeat
 *                                       (kept by nodes/node-liveness.ts)
 *
 * Keys are derived from the prefix inside the scripts (no KEYS), which suits one Redis (or a
 * Sentinel-managed primary), not Redis Cluster.
 */

/** Helpers shared by the scripts. `touched` collects (channel, memberKey) pairs to settle. */
const PRELUDE = `
local P = ARGV[1]
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function base(channel) return P .. 'presence:' .. channel .. ':' end
local function touch(touched, channel, key)
  local id = channel .. '\\n' .. key
  if not touched.seen[id] then
    touched.seen[id] = true
    table.insert(touched.list, {channel, key})
  end
end
-- Removes every connection of one node from one channel; counts drop, members stay until settle.
local function detach(node, channel, touched)
  local b = base(channel)
  local mine = node .. '|'
  local conns = redis.call('HGETALL', b .. 'conns')
  for i = 1, #conns, 2 do
    if string.sub(conns[i], 1, #mine) == mine then
      redis.call('HDEL', b .. 'conns', conns[i])
      redis.call('HINCRBY', b .. 'count', conns[i + 1], -1)
      touch(touched, channel, conns[i + 1])
    end
  end
end
-- Members left with no connection are removed; each becomes a quit {channel, memberJson, memberKey}.
local function settle(touched, quits)
  for _, pair in ipairs(touched.list) do
    local b = base(pair[1])
    local count = tonumber(redis.call('HGET', b .. 'count', pair[2]) or '0')
    if count <= 0 then
      redis.call('HDEL', b .. 'count', pair[2])
      local member = redis.call('HGET', b .. 'members', pair[2])
      redis.call('HDEL', b .. 'members', pair[2])
      if member then table.insert(quits, {pair[1], member, pair[2]}) end
    end
  end
end
-- Removes a node and all its connections.
local function drop_node(node, quits)
  local touched = {seen = {}, list = {}}
  local key = P .. 'node:' .. node .. ':channels'
  for _, channel in ipairs(redis.call('HKEYS', key)) do detach(node, channel, touched) end
  redis.call('DEL', key)
  redis.call('ZREM', P .. 'nodes', node)
  settle(touched, quits)
end
`;

/**
 * ARGV: prefix, nodeId, nodeTimeout, channel, memberKey, connectionId, memberJson.
 * Returns {first (1|0), member JSONs of the channel}.
 */
export const joinScript = new RedisScript(`${PRELUDE}
local node, ttl, channel, key, conn, json = ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local b = base(channel)
-- A node that joins before its first heartbeat is still reapable if it dies.
redis.call('ZADD', P .. 'nodes', 'NX', now_ms() + ttl, node)
local first = 0
if redis.call('HSETNX', b .. 'conns', node .. '|' .. conn, key) == 1 then
  redis.call('HINCRBY', P .. 'node:' .. node .. ':channels', channel, 1)
  if redis.call('HINCRBY', b .. 'count', key, 1) == 1 then
    redis.call('HSET', b .. 'members', key, json)
    first = 1
  end
end
return {first, redis.call('HVALS', b .. 'members')}
`);

/**
 * ARGV: prefix, nodeId, channel, memberKey, connectionId.
 * Returns {last (1|0), member JSON or nil}.
 */
export const leaveScript = new RedisScript(`${PRELUDE}
local node, channel, key, conn = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local b = base(channel)
if redis.call('HDEL', b .. 'conns', node .. '|' .. conn) == 0 then return {0, false} end
local nodeKey = P .. 'node:' .. node .. ':channels'
if redis.call('HINCRBY', nodeKey, channel, -1) <= 0 then redis.call('HDEL', nodeKey, channel) end
local member = redis.call('HGET', b .. 'members', key)
if redis.call('HINCRBY', b .. 'count', key, -1) > 0 then return {0, member} end
redis.call('HDEL', b .. 'count', key)
redis.call('HDEL', b .. 'members', key)
return {1, member}
`);

/**
 * Reaps dead nodes (see `nodes/node-liveness.ts`): removes each one and its connections, unless
 * it beat again meanwhile. Idempotent: a node reaped already has nothing left to remove.
 * ARGV: prefix, nodeIds... Returns quits.
 */
export const reapScript = new RedisScript(`${PRELUDE}
local now = now_ms()
local quits = {}
for i = 2, #ARGV do
  local deadline = redis.call('ZSCORE', P .. 'nodes', ARGV[i])
  if (not deadline) or tonumber(deadline) <= now then drop_node(ARGV[i], quits) end
end
return quits
`);

/**
 * Replaces this node's presence with what it holds locally, in one step, after Redis came back
 * or lost its data. ARGV: prefix, nodeId, nodeTimeout, state JSON
 * {"entries": [[channel, connectionId, memberKey, memberJson], ...],
 *  "gone": [[channel, memberKey, memberJson], ...]}  ("gone": members whose last local
 * connection left while Redis was away).
 * Returns {adds, quits}, each a list of {channel, memberJson}.
 */
export const resyncScript = new RedisScript(`${PRELUDE}
local node, ttl = ARGV[2], tonumber(ARGV[3])
local state = cjson.decode(ARGV[4])
redis.call('ZADD', P .. 'nodes', now_ms() + ttl, node)
local touched = {seen = {}, list = {}}
local nodeKey = P .. 'node:' .. node .. ':channels'
for _, channel in ipairs(redis.call('HKEYS', nodeKey)) do detach(node, channel, touched) end
redis.call('DEL', nodeKey)
local adds = {}
for _, e in ipairs(state.entries) do
  local channel, conn, key, json = e[1], e[2], e[3], e[4]
  local b = base(channel)
  if redis.call('HSETNX', b .. 'conns', node .. '|' .. conn, key) == 1 then
    redis.call('HINCRBY', nodeKey, channel, 1)
    redis.call('HINCRBY', b .. 'count', key, 1)
    if redis.call('HSETNX', b .. 'members', key, json) == 1 then table.insert(adds, {channel, json}) end
  end
end
local quits = {}
settle(touched, quits)
local quitted = {}
for _, q in ipairs(quits) do quitted[q[1] .. '\\n' .. q[3]] = true end
for _, g in ipairs(state.gone) do
  local channel, key, json = g[1], g[2], g[3]
  if redis.call('HEXISTS', base(channel) .. 'members', key) == 0 and not quitted[channel .. '\\n' .. key] then
    quitted[channel .. '\\n' .. key] = true
    table.insert(quits, {channel, json, key})
  end
end
return {adds, quits}
`);

/** Graceful exit: removes this node and its connections. ARGV: prefix, nodeId. Returns quits. */
export const dropNodeScript = new RedisScript(`${PRELUDE}
local quits = {}
drop_node(ARGV[2], quits)
return quits
`);
