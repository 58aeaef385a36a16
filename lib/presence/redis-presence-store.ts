import type { Logger } from '../logger.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import type { JoinResult, LeaveResult, Member, PresenceChange, PresenceChangeListener, PresenceStore } from './presence-store.js';
import { dropNodeScript, heartbeatScript, joinScript, leaveScript, resyncScript } from './redis-presence-scripts.js';

/** What a {@link RedisPresenceStore} needs. */
export interface RedisPresenceStoreDeps {
  connection: RedisConnection;
  /** This node's id (the broker's). */
  nodeId: string;
  logger: Logger;
  /** Milliseconds between heartbeats (each one also reaps dead nodes). */
  heartbeatInterval: number;
  /** Milliseconds without a heartbeat after which a node is dead. */
  nodeTimeout: number;
}

interface LocalEntry {
  memberKey: string;
  member: Member;
}

/** A member whose last local connection left while Redis was away. */
type Gone = [channel: string, memberKey: string, memberJson: string];

/**
 * Presence shared by every node through Redis (see `redis-presence-scripts.ts` for the keys).
 * Join and leave are Lua scripts, so add/quit fire once per member cluster-wide. Each node
 * heartbeats; a heartbeat also reaps nodes whose deadline passed (killed without cleanup) and
 * reports their members' quits. The node also keeps its own connections in memory, so that it
 * can put them back in one step when Redis returns (or lost its data).
 */
export class RedisPresenceStore implements PresenceStore {
  /** channel -> connectionId -> member: this node's presence connections. */
  private readonly local = new Map<string, Map<string, LocalEntry>>();
  private readonly listeners = new Set<PresenceChangeListener>();
  private gone: Gone[] = [];
  /** Redis may disagree with `local` (a leave failed): resync at the next heartbeat. */
  private dirty = false;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private removeReadyListener: (() => void) | undefined;
  private syncing: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly deps: RedisPresenceStoreDeps) {}

  /** Starts heartbeating, and resyncs every time Redis (re)connects. */
  start(): void {
    this.removeReadyListener = this.deps.connection.onReady(() => {
      this.dirty = true;
      void this.beat();
    });
    this.heartbeatTimer = setInterval(() => void this.beat(), this.deps.heartbeatInterval);
    this.heartbeatTimer.unref();
    if (this.deps.connection.isUp) void this.beat();
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
        joinScript.run(redis, [this.prefix(), this.deps.nodeId, this.deps.nodeTimeout, channel, memberKey, connectionId, JSON.stringify(member)]),
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
    clearInterval(this.heartbeatTimer);
    this.removeReadyListener?.();
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

  /** One heartbeat: stay alive, reap the dead, and resync when Redis lost track of this node. */
  private beat(): Promise<void> {
    if (this.syncing || this.closed || !this.deps.connection.isUp) return this.syncing ?? Promise.resolve();
    this.syncing = this.heartbeatAndSync()
      .catch((error: unknown) => {
        this.deps.logger.warn('presence heartbeat failed', { error });
      })
      .finally(() => {
        this.syncing = undefined;
      });
    return this.syncing;
  }

  private async heartbeatAndSync(): Promise<void> {
    const [missing, quits, reaped] = (await this.deps.connection.run('presence heartbeat', (redis) =>
      heartbeatScript.run(redis, [this.prefix(), this.deps.nodeId, this.deps.nodeTimeout]),
    )) as [number, string[][], string[]];
    if (reaped.length > 0) this.deps.logger.warn('presence: removed dead nodes', { nodes: reaped, quits: quits.length });
    this.emitAll('quit', quits);
    if (missing === 1 || this.dirty) await this.resync();
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
        resyncScript.run(redis, [this.prefix(), this.deps.nodeId, this.deps.nodeTimeout, JSON.stringify({ entries, gone })]),
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
