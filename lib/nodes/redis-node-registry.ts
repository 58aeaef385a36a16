import { z } from 'zod';
import { PushyError } from '../errors.js';
import { RedisScript } from '../redis/redis-script.js';
import { livenessFor, type LivenessDeps, type RedisNodeLiveness } from './node-liveness.js';
import type { NodeList, NodeRegistry, NodeView } from './node-registry.js';

/*
 * Node views in Redis (P = the key prefix):
 *
 *   P admin:node:<nodeId>  string  the node's view as JSON, expiring after nodeTimeout
 *   P admin:nodes          set     nodeIds that wrote a view (read by nodes of earlier versions;
 *                                  pruned when their key expired)
 *   P nodes                zset    who is alive (see node-liveness.ts)
 *
 * A node is listed while it is alive and has a view: the node liveness decides, as it does for
 * presence; the view's expiry only clears what a dead node left.
 */

/** Writes one node's view and makes sure its id is listed. ARGV: prefix, nodeId, view JSON, ttl ms. */
const publishScript = new RedisScript(`
local P = ARGV[1]
redis.call('SET', P .. 'admin:node:' .. ARGV[2], ARGV[3], 'PX', ARGV[4])
redis.call('SADD', P .. 'admin:nodes', ARGV[2])
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

/** Removes one node's view at once. ARGV: prefix, nodeId. */
const removeScript = new RedisScript(`
local P = ARGV[1]
redis.call('DEL', P .. 'admin:node:' .. ARGV[2])
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
 * Nodes on one Redis: each writes its view on every heartbeat of the node (and as soon as Redis
 * comes back), so a killed node leaves the list when its heartbeat deadline passes and a closed
 * one leaves it at once. Reading never waits for Redis: while it is away the list is this node
 * alone, marked `redis: "down"`.
 */
export class RedisNodeRegistry implements NodeRegistry {
  private readonly liveness: RedisNodeLiveness;
  /** True when the liveness is this registry's own (no shared one was given): it starts and closes it. */
  private readonly ownsLiveness: boolean;
  private removeBeatListener: (() => void) | undefined;
  private writing: Promise<void> | undefined;
  private view: (() => NodeView) | undefined;
  private closed = false;

  constructor(private readonly deps: RedisNodeRegistryDeps) {
    ({ liveness: this.liveness, owned: this.ownsLiveness } = livenessFor(deps, 'node registry'));
  }

  start(view: () => NodeView): void {
    if (this.view || this.closed) return;
    this.view = view;
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

  /** Writes this node's view; skipped while Redis is away or while the previous write runs. */
  private publish(): Promise<void> {
    if (this.writing || this.closed || !this.view || !this.deps.connection.isUp) return this.writing ?? Promise.resolve();
    this.writing = this.write(this.view).finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  private async write(read: () => NodeView): Promise<void> {
    const { connection, nodeId } = this.deps;
    const { self: _self, ...view } = read();
    try {
      await connection.run('admin node heartbeat', (redis) =>
        publishScript.run(redis, [connection.key(), nodeId, JSON.stringify(view), this.liveness.nodeTimeout]),
      );
    } catch (error) {
      this.deps.logger.warn("admin: cannot write this node's entry in the node list", { error });
    }
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
