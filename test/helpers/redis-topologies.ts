import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, killProcess, RedisServer, spawnRedis } from './redis.js';
import { findExecutable } from './services.js';

const run = promisify(execFile);

/** True when both redis-server and redis-cli are installed (the cluster needs `redis-cli --cluster create`). */
export const REDIS_TOOLS_AVAILABLE = findExecutable('redis-server') !== undefined && findExecutable('redis-cli') !== undefined;

/** A loopback host and port, as the adapter's `cluster` and `sentinels` options take them. */
export interface HostPort {
  host: string;
  port: number;
}

/**
 * One redis-server process with arbitrary extra arguments in its own temp folder (a cluster
 * node, a replica, a sentinel). `kill()` is SIGKILL: an abrupt failure.
 */
export class RedisProcess {
  private child: ChildProcess | undefined;
  readonly dir = mkdtempSync(path.join(tmpdir(), 'pushy-redis-topology-'));

  private constructor(
    readonly port: number,
    private readonly args: string[],
  ) {}

  /** Starts `redis-server <configFile?> --port P ...args` on a free port and waits until it accepts connections. */
  static async start(args: (port: number, dir: string) => string[]): Promise<RedisProcess> {
    const port = await freePort();
    const process = new RedisProcess(port, []);
    process.args.push(...args(port, process.dir));
    await process.spawn();
    return process;
  }

  get address(): HostPort {
    return { host: '127.0.0.1', port: this.port };
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private async spawn(): Promise<void> {
    this.child = await spawnRedis(this.port, this.args, this.dir);
  }

  /** SIGKILLs the process and waits for it to exit. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child) await killProcess(child);
  }

  /** True until killed. */
  get running(): boolean {
    return this.child !== undefined;
  }

  /** Kills the process and removes its folder. */
  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Arguments every test Redis gets: loopback only, no persistence, quiet. */
function baseArgs(port: number, dir: string): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'];
}

/**
 * A real Redis Cluster of three primaries (and `replicas` replicas of each) on free loopback
 * ports, made with `redis-cli --cluster create`. `destroy()` stops and removes every node.
 */
export class RedisClusterSet {
  private constructor(readonly nodes: RedisProcess[]) {}

  /** Seed addresses for `adapter.cluster`. */
  get addresses(): HostPort[] {
    return this.nodes.map((node) => node.address);
  }

  static async create(size = 3, replicas = 0): Promise<RedisClusterSet> {
    const nodes: RedisProcess[] = [];
    try {
      for (let i = 0; i < size * (1 + replicas); i++) {
        nodes.push(
          await RedisProcess.start((port, dir) => [
            ...baseArgs(port, dir),
            '--cluster-enabled', 'yes',
            '--cluster-config-file', path.join(dir, 'nodes.conf'),
            '--cluster-node-timeout', '2000',
            // A replica always stands for election, however long ago it heard from its primary.
            '--cluster-replica-validity-factor', '0',
          ]),
        );
      }
      await run('redis-cli', ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', String(replicas), '--cluster-yes']);
      await waitForClusterOk(nodes);
      for (const node of nodes) {
        const { stdout } = await run('redis-cli', ['-p', String(node.port), 'info', 'replication']);
        if (stdout.includes('role:slave')) await waitForReplicaSync(node);
      }
    } catch (error) {
      await Promise.all(nodes.map((node) => node.destroy()));
      throw error;
    }
    return new RedisClusterSet(nodes);
  }

  /** Empties every primary (data lost, slots kept). */
  async flushAll(): Promise<void> {
    // A replica refuses FLUSHALL (READONLY); its primary's flush reaches it.
    await Promise.all(this.nodes.filter((node) => node.running).map((node) => run('redis-cli', ['-p', String(node.port), 'flushall']).catch(() => undefined)));
  }

  /**
   * SIGKILLs the primary serving `key`'s slot, once its replicas have every write it took
   * (asynchronous replication is not under test: send nothing meanwhile). Then
   * {@link waitForPromotion}.
   */
  async killPrimaryOf(key: string): Promise<void> {
    const victim = this.nodes[await this.nodeOfSlot(key)]!;
    for (const node of this.nodes) {
      const { stdout } = await run('redis-cli', ['-p', String(node.port), 'info', 'replication']);
      if (stdout.includes(`master_port:${victim.port}`)) await waitForReplicaCaughtUp(victim, node);
    }
    await victim.kill();
  }

  /** Resolves once a live node (a promoted replica) serves `key`'s slot and the cluster is ok again. */
  async waitForPromotion(key: string, timeoutMs = 30000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const owner = await this.nodeOfSlot(key).catch(() => -1);
      if (owner >= 0 && this.nodes[owner]!.running) {
        const { stdout } = await run('redis-cli', ['-p', String(this.nodes[owner]!.port), 'cluster', 'info']);
        if (stdout.includes('cluster_state:ok')) return;
      }
      if (Date.now() > deadline) throw new Error(`no replica took over ${key}'s slot`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The slot the cluster gives `key` (CLUSTER KEYSLOT). */
  async keySlot(key: string): Promise<number> {
    const { stdout } = await run('redis-cli', ['-p', String(this.nodes[0]!.port), 'cluster', 'keyslot', key]);
    return Number(stdout.trim());
  }

  /** Index (in `nodes`) of the primary that serves `key`'s slot. */
  async nodeOfSlot(key: string): Promise<number> {
    const asked = this.nodes.find((node) => node.running)!;
    const { stdout: slotText } = await run('redis-cli', ['-p', String(asked.port), 'cluster', 'keyslot', key]);
    const slot = Number(slotText.trim());
    const { stdout } = await run('redis-cli', ['-p', String(asked.port), '--json', 'cluster', 'slots']);
    const ranges = JSON.parse(stdout) as Array<[number, number, [string, number, ...unknown[]]]>;
    const owner = ranges.find(([from, to]) => slot >= from && slot <= to);
    if (!owner) throw new Error(`no primary serves slot ${slot}`);
    return this.nodes.findIndex((node) => node.port === Number(owner[2][1]));
  }

  /** How many keys each primary holds (DBSIZE), in node order. */
  async keyCounts(): Promise<number[]> {
    return Promise.all(this.nodes.map(async (node) => Number((await run('redis-cli', ['-p', String(node.port), 'dbsize'])).stdout.trim())));
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.destroy()));
  }
}

/** Waits until every node reports `cluster_state:ok` (slots assigned and agreed). */
async function waitForClusterOk(nodes: RedisProcess[], timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const node of nodes) {
    for (;;) {
      const { stdout } = await run('redis-cli', ['-p', String(node.port), 'cluster', 'info']);
      if (stdout.includes('cluster_state:ok')) break;
      if (Date.now() > deadline) throw new Error(`redis cluster did not become ok: ${stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Three (or `size`) independent Redis servers, for `adapter.shards`. */
export class RedisShardSet {
  private constructor(readonly servers: RedisServer[]) {}

  get urls(): string[] {
    return this.servers.map((server) => server.url);
  }

  static async create(size = 3): Promise<RedisShardSet> {
    const servers: RedisServer[] = [];
    try {
      for (let i = 0; i < size; i++) servers.push(await RedisServer.create());
    } catch (error) {
      await Promise.all(servers.map((server) => server.destroy()));
      throw error;
    }
    return new RedisShardSet(servers);
  }

  async destroy(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.destroy()));
  }
}

/**
 * A primary, one replica and three sentinels watching them under `name`, on free loopback
 * ports. Sentinels are tuned to notice a dead primary within about a second.
 */
export class RedisSentinelSet {
  readonly name = 'pushy-test';

  private constructor(
    public primary: RedisProcess,
    public replica: RedisProcess,
    readonly sentinels: RedisProcess[],
  ) {}

  /** Addresses for `adapter.sentinels`. */
  get sentinelAddresses(): HostPort[] {
    return this.sentinels.map((sentinel) => sentinel.address);
  }

  static async create(): Promise<RedisSentinelSet> {
    const started: RedisProcess[] = [];
    try {
      const primary = await RedisProcess.start((port, dir) => baseArgs(port, dir));
      started.push(primary);
      const replica = await RedisProcess.start((port, dir) => [...baseArgs(port, dir), '--replicaof', '127.0.0.1', String(primary.port)]);
      started.push(replica);
      await waitForReplicaSync(replica);
      const sentinels: RedisProcess[] = [];
      for (let i = 0; i < 3; i++) {
        const sentinel = await RedisProcess.start((port, dir) => {
          // A sentinel rewrites its config file, so each gets its own.
          const file = path.join(dir, 'sentinel.conf');
          writeFileSync(
            file,
            [
              `port ${port}`,
              'bind 127.0.0.1',
              `dir ${dir}`,
              `sentinel monitor pushy-test 127.0.0.1 ${primary.port} 2`,
              'sentinel down-after-milliseconds pushy-test 1000',
              'sentinel failover-timeout pushy-test 5000',
              'sentinel parallel-syncs pushy-test 1',
              '',
            ].join('\n'),
          );
          return [file, '--sentinel', '--loglevel', 'warning'];
        });
        started.push(sentinel);
        sentinels.push(sentinel);
      }
      const set = new RedisSentinelSet(primary, replica, sentinels);
      await set.waitForPrimary(primary.port);
      return set;
    } catch (error) {
      await Promise.all(started.map((node) => node.destroy()));
      throw error;
    }
  }

  /** Resolves once every sentinel names the process on `port` as the primary (and knows the replica). */
  async waitForPrimary(port: number, timeoutMs = 20000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const sentinel of this.sentinels) {
      for (;;) {
        const { stdout } = await run('redis-cli', ['-p', String(sentinel.port), 'sentinel', 'get-master-addr-by-name', this.name]).catch(() => ({ stdout: '' }));
        if (stdout.split('\n')[1]?.trim() === String(port)) break;
        if (Date.now() > deadline) throw new Error(`sentinel on ${sentinel.port} does not name ${port} as primary: ${stdout}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Empties the primary (the replica follows). */
  async flushPrimary(): Promise<void> {
    await run('redis-cli', ['-p', String(this.primary.port), 'flushall']);
  }

  /**
   * SIGKILLs the primary once the replica has every write it took (asynchronous replication is
   * not under test: send nothing meanwhile). Then {@link waitForFailover}.
   */
  async killPrimary(): Promise<void> {
    await waitForReplicaCaughtUp(this.primary, this.replica);
    await this.primary.kill();
  }

  /** Resolves once the sentinels promoted the replica; then `primary` is it and `replica` the dead one. */
  async waitForFailover(): Promise<void> {
    const [dead, promoted] = [this.primary, this.replica];
    await this.waitForPrimary(promoted.port);
    await waitForRole(promoted, 'master');
    this.primary = promoted;
    this.replica = dead;
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.sentinels, this.primary, this.replica].map((node) => node.destroy()));
  }
}

async function waitForReplicaSync(replica: RedisProcess, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await run('redis-cli', ['-p', String(replica.port), 'info', 'replication']);
    if (stdout.includes('master_link_status:up')) return;
    if (Date.now() > deadline) throw new Error(`replica did not sync: ${stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function waitForRole(node: RedisProcess, role: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await run('redis-cli', ['-p', String(node.port), 'info', 'replication']);
    if (stdout.includes(`role:${role}`)) return;
    if (Date.now() > deadline) throw new Error(`redis on ${node.port} is not ${role}: ${stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Resolves once the replica has applied every write the primary had taken so far. */
async function waitForReplicaCaughtUp(primary: RedisProcess, replica: RedisProcess, timeoutMs = 10000): Promise<void> {
  const offset = (text: string, field: string): number => Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(text)?.[1] ?? -1);
  const { stdout } = await run('redis-cli', ['-p', String(primary.port), 'info', 'replication']);
  const target = offset(stdout, 'master_repl_offset');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout: info } = await run('redis-cli', ['-p', String(replica.port), 'info', 'replication']);
    if (offset(info, 'slave_repl_offset') >= target) return;
    if (Date.now() > deadline) throw new Error(`replica did not catch up to ${target}: ${info}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
