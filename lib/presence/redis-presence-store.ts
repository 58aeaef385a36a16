import { livenessFor, type Beat, type LivenessDeps, type RedisNodeLiveness } from '../nodes/node-liveness.js';
import type { JoinResult, LeaveResult, Member, PresenceChange, PresenceChangeListener, PresenceStore } from './presence-store.js';
import { dropNodeScript, joinScript, leaveScript, reapScript, resyncScript } from './redis-presence-scripts.js';

/** What a {@link RedisPresenceStore} needs: its Redis, the node id, and the node's liveness (or what it needs to run its own). */
export type RedisPresenceStoreDeps = LivenessDeps;

interface LocalEntry {
  memberKey: string;
  member: Member;
}

/** A member whose last local connection left while Redis was away. */
type Gone = [channel: string, memberKey: string, memberJson: string];

/**
 * Presence shared by every node through Redis (see `redis-presence-scripts.ts` for the keys).
 * Join and leave are Lua scripts, so add/quit fire once per member cluster-wide. On each of the
 * node's heartbeats (`nodes/node-liveness.ts`) the store reaps the nodes whose deadline passed
 * (killed without cleanup) and reports their members' quits. The node also keeps its own
 * connections in memory, so that it can put them back in one step when Redis returns (or lost
 * its data).
 */
export class RedisPresenceStore implements PresenceStore {
  /** channel -> connectionId -> member: this node's presence connections. */
  private readonly local = new Map<string, Map<string, LocalEntry>>();
  private readonly listeners = new Set<PresenceChangeListener>();
  private gone: Gone[] = [];
  /** Redis may disagree with `local` (a leave failed): resync at the next heartbeat. */
  private dirty = false;
  private readonly liveness: RedisNodeLiveness;
  /** True when the liveness is this store's own (no shared one was given): it starts and closes it. */
  private readonly ownsLiveness: boolean;
  private removers: Array<() => void> = [];
  private syncing: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly deps: RedisPresenceStoreDeps) {
    ({ liveness: this.liveness, owned: this.ownsLiveness } = livenessFor(deps, 'presence store'));
  }

  /** Follows the node's heartbeat, and resyncs every time Redis (re)connects. */
  start(): void {
    if (this.removers.length > 0 || this.closed) return;
    // Registered before the liveness's own ready listener: the beat it starts then finds the store dirty.
    this.removers.push(this.deps.connection.onReady(() => (this.dirty = true)));
    this.removers.push(this.liveness.onBeat((beat) => this.onBeat(beat)));
    if (this.ownsLiveness) this.liveness.start();
  }

  async join(channel: string, memberKey: string, member: Member, connectionId: string): Promise<JoinResult> {
    // Recorded before the script runs, so that a resync sent meanwhile includes it.
    let connections = this.local.get(channel);
    if (!connections) {
      connections = new Map();
      this.local.set(channel, connections);
    }
    connections.set(connectionId, { memberKey, member });
    try {
      const [first, members] = (await this.deps.connection.run('presence join', (redis) =>
        joinScript.run(redis, [this.prefix(), this.deps.nodeId, this.liveness.nodeTimeout, channel, memberKey, connectionId, JSON.stringify(member)]),
      )) as [number, string[]];
      return { first: first === 1, members: members.map(parseMember) };
    } catch (error) {
      this.forget(channel, connectionId);
      throw error;
    }
  }

  async leave(channel: string, memberKey: string, connectionId: string): Promise<LeaveResult> {
    const entry = this.forget(channel, connectionId);
    if (!entry) return { last: false, member: undefined };
    try {
      const [last, json] = (await this.deps.connection.run('presence leave', (redis) =>
        leaveScript.run(redis, [this.prefix(), this.deps.nodeId, channel, memberKey, connectionId]),
      )) as [number, string | null];
      return { last: last === 1, member: json ? parseMember(json) : entry.member };
    } catch (error) {
      // Redis is away: the resync after reconnect removes the connection and sends the quit.
      this.deps.logger.debug('presence leave deferred until redis is back', { channel, error });
      if (!this.hasLocalMember(channel, memberKey)) this.gone.push([channel, memberKey, JSON.stringify(entry.member)]);
      this.dirty = true;
      return { last: false, member: undefined };
    }
  }

  async members(channel: string): Promise<Member[]> {
    const values = await this.deps.connection.run('presence members', (redis) => redis.hvals(this.deps.connection.key('presence', channel, 'members')));
    return values.map(parseMember);
  }

  /** One pipelined HLEN per channel: a round trip for the lot, and no member data read. */
  async memberCounts(channels: readonly string[]): Promise<number[]> {
    if (channels.length === 0) return [];
    const { connection } = this.deps;
    const answers = await connection.run('presence member counts', async (redis) => {
      const pipeline = redis.pipeline();
      for (const channel of channels) pipeline.hlen(connection.key('presence', channel, 'members'));
      return (await pipeline.exec()) ?? [];
    });
    return channels.map((_, i) => {
      const [error, count] = answers[i] ?? [new Error('no answer'), 0];
      if (error) throw error;
      return Number(count);
    });
  }

  /** Distinct members with a connection on this node. */
  memberCount(): number {
    let count = 0;
    for (const connections of this.local.values()) count += new Set([...connections.values()].map((e) => e.memberKey)).size;
    return count;
  }

  onChange(listener: PresenceChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops heartbeating and removes this node's members from Redis (their quits are reported). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const remove of this.removers.splice(0)) remove();
    if (this.ownsLiveness) await this.liveness.close();
    await this.syncing;
    if (this.deps.connection.isUp) {
      try {
        const quits = (await this.deps.connection.run('presence cleanup', (redis) =>
          dropNodeScript.run(redis, [this.prefix(), this.deps.nodeId]),
        )) as string[][];
        this.emitAll('quit', quits);
      } catch (error) {
        this.deps.logger.warn('presence cleanup failed; other nodes will reap this node', { error });
      }
    } else {
      this.deps.logger.warn('redis is away at shutdown; other nodes will reap this node\'s presence members', {
        members: this.memberCount(),
      });
    }
    this.local.clear();
    this.listeners.clear();
  }

  /** On each heartbeat: reap the dead, and resync when Redis lost track of this node. */
  private async onBeat(beat: Beat): Promise<void> {
    if (this.closed) return;
    this.syncing = this.reapAndSync(beat);
    try {
      await this.syncing;
    } finally {
      this.syncing = undefined;
    }
  }

  private async reapAndSync({ missing, dead }: Beat): Promise<void> {
    if (dead.length > 0) {
      const quits = (await this.deps.connection.run('presence reap', (redis) => reapScript.run(redis, [this.prefix(), ...dead]))) as string[][];
      this.deps.logger.warn('presence: removed dead nodes', { nodes: dead, quits: quits.length });
      this.emitAll('quit', quits);
    }
    if (missing || this.dirty) await this.resync();
  }

  private async resync(): Promise<void> {
    this.dirty = false;
    const gone = this.gone;
    this.gone = [];
    const entries: Array<[string, string, string, string]> = [];
    for (const [channel, connections] of this.local) {
      for (const [connectionId, entry] of connections) entries.push([channel, connectionId, entry.memberKey, JSON.stringify(entry.member)]);
    }
    try {
      const [adds, quits] = (await this.deps.connection.run('presence resync', (redis) =>
        resyncScript.run(redis, [this.prefix(), this.deps.nodeId, this.liveness.nodeTimeout, JSON.stringify({ entries, gone })]),
      )) as [string[][], string[][]];
      this.deps.logger.info('presence resynced with redis', { connections: entries.length, adds: adds.length, quits: quits.length });
      this.emitAll('add', adds);
      this.emitAll('quit', quits);
    } catch (error) {
      this.gone = [...gone, ...this.gone];
      this.dirty = true;
      throw error;
    }
  }

  private emitAll(kind: PresenceChange['kind'], pairs: string[][]): void {
    for (const [channel, json] of pairs) {
      if (channel === undefined || json === undefined) continue;
      const change: PresenceChange = { channel, kind, member: parseMember(json) };
      for (const listener of this.listeners) listener(change);
    }
  }

  private forget(channel: string, connectionId: string): LocalEntry | undefined {
    const connections = this.local.get(channel);
    const entry = connections?.get(connectionId);
    if (!connections || !entry) return undefined;
    connections.delete(connectionId);
    if (connections.size === 0) this.local.delete(channel);
    return entry;
  }

  private hasLocalMember(channel: string, memberKey: string): boolean {
    for (const entry of this.local.get(channel)?.values() ?? []) if (entry.memberKey === memberKey) return true;
    return false;
  }

  private prefix(): string {
    return this.deps.connection.key();
  }
}

function parseMember(json: string): Member {
  return JSON.parse(json) as Member;
}
