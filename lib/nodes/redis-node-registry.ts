import { z } from 'zod';
import { PushyError } from '../errors.js';
import { MAX_CHANNEL_NAME_LENGTH } from '../config.js';
import { DEFAULT_APP, parseChannelKey } from '../apps/namespace.js';
import { isNormalisedChannelName } from '../util/channel-name.js';
import { RedisScript } from '../redis/redis-script.js';
import { livenessFor, type LivenessDeps, type RedisNodeLiveness } from './node-liveness.js';
import type { ClusterChannels, LocalChannels, NodeList, NodeRegistry, NodeView } from './node-registry.js';

/*
 * Node views in Redis (P = the key prefix):
 *
 *   P admin:node:<nodeId>           string  the node's view as JSON, expiring after nodeTimeout
 *   P admin:node:<nodeId>:channels  hash    channel -> the node's subscribers there, same expiry
 *   P admin:nodes                   set     nodeIds that wrote a view (pruned when their key expired)
 *   P nodes                         zset    who is alive (see node-liveness.ts)
 *
 * A node is listed while it is alive and has a view: the node liveness decides, as it does for
 * presence; the view's expiry only clears what a dead node left. The set saves a SCAN of the
 * whole keyspace on every dashboard refresh. The channel hash is written as a change set
 * against the previous write, so a heartbeat costs what changed, not every channel again.
 */

/**
 * Writes one node's view and brings its channel hash up to date. ARGV: prefix, nodeId, view
 * JSON, ttl ms, mode, n, then n (channel, subscribers) pairs to set, then channels to remove.
 * Mode `full` replaces the hash. Mode `delta` changes what the previous write left, and writes
 * nothing (answers 0) when the view is gone meanwhile (it expired, or Redis lost its data), so
 * that the caller writes in full instead.
 */
const publishScript = new RedisScript(`
local P, id, ttl, mode = ARGV[1], ARGV[2], ARGV[4], ARGV[5]
local viewKey = P .. 'admin:node:' .. id
local channelsKey = viewKey .. ':channels'
if mode == 'delta' and redis.call('EXISTS', viewKey) == 0 then return 0 end
redis.call('SET', viewKey, ARGV[3], 'PX', ttl)
redis.call('SADD', P .. 'admin:nodes', id)
if mode == 'full' then redis.call('DEL', channelsKey) end
local i = 7
for _ = 1, tonumber(ARGV[6]) do
  redis.call('HSET', channelsKey, ARGV[i], ARGV[i + 1])
  i = i + 2
end
for j = i, #ARGV do redis.call('HDEL', channelsKey, ARGV[j]) end
redis.call('PEXPIRE', channelsKey, ttl)
return 1
`);

/**
 * The views of the live nodes; ids whose view expired leave the set in the same step.
 * ARGV: prefix.
 */
const listScript = new RedisScript(`
local P = ARGV[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local views = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. 'nodes', '(' .. now, '+inf')) do
  local view = redis.call('GET', P .. 'admin:node:' .. id)
  if view then table.insert(views, view) end
end
for _, id in ipairs(redis.call('SMEMBERS', P .. 'admin:nodes')) do
  if redis.call('EXISTS', P .. 'admin:node:' .. id) == 0 then redis.call('SREM', P .. 'admin:nodes', id) end
end
return views
`);

/** The channel hash (flat field/value list) of every live node but one. ARGV: prefix, that nodeId. */
const channelsScript = new RedisScript(`
local P = ARGV[1]
local hashes = {}
for _, id in ipairs(redis.call('SMEMBERS', P .. 'admin:nodes')) do
  if id ~= ARGV[2] and redis.call('EXISTS', P .. 'admin:node:' .. id) == 1 then
    table.insert(hashes, redis.call('HGETALL', P .. 'admin:node:' .. id .. ':channels'))
  end
end
return hashes
`);

/** Removes one node's view and channels at once. ARGV: prefix, nodeId. */
const removeScript = new RedisScript(`
local P = ARGV[1]
redis.call('DEL', P .. 'admin:node:' .. ARGV[2], P .. 'admin:node:' .. ARGV[2] .. ':channels')
redis.call('SREM', P .. 'admin:nodes', ARGV[2])
return 1
`);

/** A peer's view as read back: checked loosely, since a node of another version may have written it. */
const storedView = z
  .object({
    nodeId: z.string(),
    startedAt: z.number(),
    updatedAt: z.number(),
    connections: z.object({ total: z.number() }).passthrough(),
    subscriptions: z.number(),
    events: z.object({ triggered: z.number(), delivered: z.number() }).passthrough(),
  })
  .passthrough();

/** What a {@link RedisNodeRegistry} needs: its Redis, the node id, and the node's liveness (or what it needs to run its own). */
export type RedisNodeRegistryDeps = LivenessDeps;

/**
 * Nodes on one Redis: each writes its view and channels on every heartbeat of the node (and as
 * soon as Redis comes back), so a killed node leaves the list when its heartbeat deadline passes
 * and a closed one leaves it at once. Reading never waits for Redis: while it is
 * away the list is this node alone, marked `redis: "down"`.
 */
export class RedisNodeRegistry implements NodeRegistry {
  private readonly liveness: RedisNodeLiveness;
  /** True when the liveness is this registry's own (no shared one was given): it starts and closes it. */
  private readonly ownsLiveness: boolean;
  private removeBeatListener: (() => void) | undefined;
  private writing: Promise<void> | undefined;
  private view: (() => NodeView) | undefined;
  private localChannels: LocalChannels | undefined;
  /** The channel hash as this node last wrote it; undefined when unknown (the next write is full). */
  private written: Map<string, number> | undefined;
  private closed = false;

  constructor(private readonly deps: RedisNodeRegistryDeps) {
    ({ liveness: this.liveness, owned: this.ownsLiveness } = livenessFor(deps, 'node registry'));
  }

  start(view: () => NodeView, channels: LocalChannels): void {
    if (this.view || this.closed) return;
    this.view = view;
    this.localChannels = channels;
    this.removeBeatListener = this.liveness.onBeat(() => this.publish());
    if (this.ownsLiveness) this.liveness.start();
    else void this.publish();
  }

  async list(self: NodeView): Promise<NodeList> {
    const { connection } = this.deps;
    if (!connection.isUp) return { adapter: 'redis', redis: 'down', nodes: [self] };
    let stored: string[];
    try {
      stored = (await connection.run('admin node list', (redis) => listScript.run(redis, [connection.key()]))) as string[];
    } catch (error) {
      // An outage is logged once by the connection; anything else (a reply error) is news.
      if (error instanceof PushyError) this.deps.logger.debug('admin: node list unavailable', { error });
      else this.deps.logger.warn('admin: cannot read the node list from redis', { error });
      return { adapter: 'redis', redis: 'down', nodes: [self] };
    }
    const peers = stored
      .map((json) => this.parse(json))
      .filter((view): view is NodeView => view !== undefined && view.nodeId !== self.nodeId)
      .sort((a, b) => a.startedAt - b.startedAt || a.nodeId.localeCompare(b.nodeId));
    return { adapter: 'redis', redis: 'up', nodes: [self, ...peers] };
  }

  async channels(self: ReadonlyMap<string, number>, app: string = DEFAULT_APP): Promise<ClusterChannels> {
    const { connection } = this.deps;
    const subscribers = new Map(self);
    if (!connection.isUp) return { adapter: 'redis', redis: 'down', subscribers };
    let hashes: string[][];
    try {
      hashes = (await connection.run('admin channel list', (redis) => channelsScript.run(redis, [connection.key(), this.deps.nodeId]))) as string[][];
    } catch (error) {
      if (error instanceof PushyError) this.deps.logger.debug('admin: channel list unavailable', { error });
      else this.deps.logger.warn('admin: cannot read the channel list from redis', { error });
      return { adapter: 'redis', redis: 'down', subscribers: new Map(self) };
    }
    for (const hash of hashes) {
      for (let i = 0; i + 1 < hash.length; i += 2) {
        // Written by a peer (or anyone with access to Redis): what is not a channel and a count is skipped.
        const [key, text] = [hash[i]!, hash[i + 1]!];
        const count = /^\d{1,9}$/.test(text) ? Number(text) : 0;
        const name = count > 0 ? channelOfApp(key, app) : undefined;
        if (name !== undefined) subscribers.set(name, (subscribers.get(name) ?? 0) + count);
      }
    }
    return { adapter: 'redis', redis: 'up', subscribers };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.removeBeatListener?.();
    if (this.ownsLiveness) await this.liveness.close();
    await this.writing;
    if (!this.view) return;
    const { connection } = this.deps;
    if (!connection.isUp) {
      this.deps.logger.info('redis is away at shutdown: this node leaves the admin node list when its entry expires');
      return;
    }
    try {
      await connection.run('admin node removal', (redis) => removeScript.run(redis, [connection.key(), this.deps.nodeId]));
    } catch (error) {
      this.deps.logger.warn('admin: cannot remove this node from the node list; it leaves when its entry expires', { error });
    }
  }

  /** Writes this node's view and channels; skipped while Redis is away or while the previous write runs. */
  private publish(): Promise<void> {
    const read = this.view;
    if (this.writing || this.closed || !read || !this.deps.connection.isUp) return this.writing ?? Promise.resolve();
    const { self: _self, ...view } = read();
    const channels = new Map(this.localChannels?.() ?? []);
    this.writing = this.write(JSON.stringify(view), channels)
      .catch((error: unknown) => this.deps.logger.warn("admin: cannot write this node's entry in the node list", { error }))
      .finally(() => {
        this.writing = undefined;
      });
    return this.writing;
  }

  /** Sends what changed since the last write, or everything when that is unknown or gone. */
  private async write(view: string, channels: Map<string, number>): Promise<void> {
    const previous = this.written;
    // Unknown until this write is known to have landed (a failed write may have half landed).
    this.written = undefined;
    if (!previous || !(await this.send('delta', view, channelChanges(previous, channels)))) {
      await this.send('full', view, channelChanges(new Map(), channels));
    }
    this.written = channels;
  }

  /**
   * Runs the publish script once per batch of changes, the first batch in `mode` and the rest as
   * deltas on it, so that no single script holds Redis for long. False when Redis refused a delta.
   */
  private async send(mode: 'full' | 'delta', view: string, changes: Array<Array<string | number>>): Promise<boolean> {
    const { connection, nodeId } = this.deps;
    const { nodeTimeout } = this.liveness;
    for (const [i, batch] of changes.entries()) {
      const args = [connection.key(), nodeId, view, nodeTimeout, i === 0 ? mode : 'delta', ...batch];
      const done = await connection.run('admin node heartbeat', (redis) => publishScript.run(redis, args));
      if (done !== 1) return false;
    }
    return true;
  }

  private parse(json: string): NodeView | undefined {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (error) {
      this.deps.logger.debug('admin: skipping an unreadable node entry', { error });
      return undefined;
    }
    const parsed = storedView.safeParse(value);
    if (!parsed.success) {
      this.deps.logger.debug('admin: skipping a node entry of unknown shape', { error: parsed.error.message });
      return undefined;
    }
    return { ...(parsed.data as unknown as NodeView), self: false };
  }
}

/** Channel entries per publish script run. */
const CHANNEL_BATCH = 500;

/**
 * The publish script's change arguments, in batches of at most {@link CHANNEL_BATCH} channels
 * (always at least one batch, which may be empty): how many to set, the (channel, count) pairs,
 * then the channels to remove.
 */
function channelChanges(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Array<Array<string | number>> {
  const sets: Array<[string, number]> = [];
  for (const [channel, count] of after) if (before.get(channel) !== count) sets.push([channel, count]);
  const removes = [...before.keys()].filter((channel) => !after.has(channel));
  const batches: Array<Array<string | number>> = [];
  for (let i = 0; i < sets.length; i += CHANNEL_BATCH) {
    const slice = sets.slice(i, i + CHANNEL_BATCH);
    batches.push([slice.length, ...slice.flat()]);
  }
  for (let i = 0; i < removes.length; i += CHANNEL_BATCH) batches.push([0, ...removes.slice(i, i + CHANNEL_BATCH)]);
  return batches.length > 0 ? batches : [[0]];
}

/**
 * Another app's channel names follow its front end's rule (Pusher's are case-sensitive, and a
 * user channel starts with `#`): any of these characters, bounded.
 */
const APP_CHANNEL_NAME = /^[#A-Za-z0-9_\-=@,.;:]{1,220}$/;

/**
 * The name of a channel key read from a peer's hash when it is a channel of `app`, else
 * undefined (another app's, or not a channel: written by anyone with access to Redis).
 */
function channelOfApp(key: string, app: string): string | undefined {
  const parsed = parseChannelKey(key);
  if (parsed.app !== app) return undefined;
  if (app === DEFAULT_APP) return isNormalisedChannelName(parsed.channel, MAX_CHANNEL_NAME_LENGTH) ? parsed.channel : undefined;
  return APP_CHANNEL_NAME.test(parsed.channel) ? parsed.channel : undefined;
}
