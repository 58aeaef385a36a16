import { RedisScript } from '../redis/redis-script.js';

/*
 * The shared webhook queue in Redis: a reliable queue. Taking moves entries from the waiting list
 * into the taker's own hash in one atomic step, so an entry is held by exactly one consumer; a
 * consumer keeps a liveness key alive while it works, and once that key has expired (a node
 * killed with SIGKILL, or stalled past the claim time) the next taker moves its hash back to the
 * front of the list. Keys (P = the key prefix):
 *
 *   P webhooks:queue            list    "<id>:<entry JSON>", oldest first (waiting)
 *   P webhooks:seq              string  the last id given out
 *   P webhooks:consumers        set     consumers that may hold entries
 *   P webhooks:alive:<consumer> string  exists while the consumer is alive (PX = claim time)
 *   P webhooks:held:<consumer>  hash    id -> entry JSON, what the consumer holds
 *
 * Ids are increasing numbers, so entries put back find their place by id. Keys are derived
 * from the prefix inside the scripts (no KEYS), like the presence scripts: one Redis (or a
 * Sentinel-managed primary), not Redis Cluster; Redis 5 or newer, like the rest of Pushy.
 */

const PRELUDE = `
local P = ARGV[1]
local Q = P .. 'webhooks:queue'
local CONSUMERS = P .. 'webhooks:consumers'
local function held_key(consumer) return P .. 'webhooks:held:' .. consumer end
local function alive_key(consumer) return P .. 'webhooks:alive:' .. consumer end
-- Puts a hash of id -> JSON back at the front of the list, lowest id first.
local function put_back(flat)
  local ids = {}
  local values = {}
  for i = 1, #flat, 2 do
    local id = tonumber(flat[i])
    table.insert(ids, id)
    values[id] = flat[i + 1]
  end
  table.sort(ids)
  for i = #ids, 1, -1 do redis.call('LPUSH', Q, ids[i] .. ':' .. values[ids[i]]) end
end
-- Removes and returns the first n items of the list (LPOP with a count needs Redis 6.2).
local function pop_front(n)
  local items = redis.call('LRANGE', Q, 0, n - 1)
  redis.call('LTRIM', Q, n, -1)
  return items
end
`;

/**
 * ARGV: prefix, max waiting, entry JSON... Appends the entries with fresh ids; when more than
 * `max waiting` are waiting, pops the oldest and returns them (for counting), else nothing.
 */
export const PUSH = new RedisScript(`${PRELUDE}
local cap = tonumber(ARGV[2])
local count = #ARGV - 2
local last = redis.call('INCRBY', P .. 'webhooks:seq', count)
for i = 1, count do
  redis.call('RPUSH', Q, (last - count + i) .. ':' .. ARGV[i + 2])
end
local over = redis.call('LLEN', Q) - cap
if over > 0 then return pop_front(over) end
return {}
`);

/**
 * ARGV: prefix, consumer, max, claim time (ms). Puts back what dead consumers held, marks this
 * one alive, and moves up to `max` waiting entries into its hash. Returns them as stored
 * ("<id>:<JSON>"); an item without an id is returned but not held (the caller counts it).
 */
export const TAKE = new RedisScript(`${PRELUDE}
local me = ARGV[2]
local max = tonumber(ARGV[3])
for _, consumer in ipairs(redis.call('SMEMBERS', CONSUMERS)) do
  if consumer ~= me and redis.call('EXISTS', alive_key(consumer)) == 0 then
    put_back(redis.call('HGETALL', held_key(consumer)))
    redis.call('DEL', held_key(consumer))
    redis.call('SREM', CONSUMERS, consumer)
  end
end
redis.call('SADD', CONSUMERS, me)
redis.call('SET', alive_key(me), '1', 'PX', ARGV[4])
if max < 1 then return {} end
local taken = pop_front(max)
for _, item in ipairs(taken) do
  local id, json = string.match(item, '^(%d+):(.*)$')
  if id then redis.call('HSET', held_key(me), id, json) end
end
return taken
`);

/** ARGV: prefix, consumer, id... Forgets the held entries (delivered or given up on). */
export const ACK = new RedisScript(`${PRELUDE}
for i = 3, #ARGV do redis.call('HDEL', held_key(ARGV[2]), ARGV[i]) end
return 0
`);

/** ARGV: prefix, consumer, id... Puts held entries back at the front of the list. */
export const RELEASE = new RedisScript(`${PRELUDE}
local held = held_key(ARGV[2])
local flat = {}
for i = 3, #ARGV do
  local json = redis.call('HGET', held, ARGV[i])
  if json then
    table.insert(flat, ARGV[i])
    table.insert(flat, json)
    redis.call('HDEL', held, ARGV[i])
  end
end
put_back(flat)
return 0
`);

/**
 * ARGV: prefix, consumer, claim time (ms), id... Marks the consumer alive and returns the ids it
 * no longer holds (another consumer took them over while this one was stalled).
 */
export const TOUCH = new RedisScript(`${PRELUDE}
local me = ARGV[2]
redis.call('SADD', CONSUMERS, me)
redis.call('SET', alive_key(me), '1', 'PX', ARGV[3])
local lost = {}
for i = 4, #ARGV do
  if redis.call('HEXISTS', held_key(me), ARGV[i]) == 0 then table.insert(lost, ARGV[i]) end
end
return lost
`);
