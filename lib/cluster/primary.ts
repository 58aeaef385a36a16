import { fork, type ChildProcess } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { memoryHistory, memoryIdempotency, memoryReplays } from '../adapter.js';
import type { PushyConfig } from '../config.js';
import { ListenError } from '../errors.js';
import { ExclusiveHost } from '../channel-rules/ipc-exclusive-host.js';
import { BrokerHub } from '../ipc/broker-hub.js';
import { childLink, type Link } from '../ipc/link.js';
import { OccupancyHost } from '../ipc/occupancy-host.js';
import { CountHost } from '../ipc/count-host.js';
import { PresenceHost } from '../ipc/presence-host.js';
import { RpcHost, type RpcHandler } from '../ipc/rpc.js';
import { storeHandlers, type SharedStores } from '../ipc/store-host.js';
import type { Logger } from '../logger.js';
import { MemoryPresenceStore } from '../presence/presence-store.js';
import { requestTarget, sessionRouter, type SessionRouter } from './sticky.js';

/** What {@link ClusterPrimary} takes. */
export interface ClusterPrimaryOptions {
  /** The configuration every worker runs with (its secret key settled: workers must agree). */
  config: PushyConfig;
  logger: Logger;
  /** How many worker processes, at least 2. */
  workers: number;
  /** The worker entry module (default: worker-main.js beside this file). */
  workerEntry?: string;
  /** Environment of the workers (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/** Longest wait for a client's request line before its connection goes to any worker (which times it out itself). */
const REQUEST_LINE_WAIT_MS = 5000;
/** Connections that may wait while the workers start. */
const MAX_WAITING = 10_000;
/** Longest wait for a worker to start. */
const WORKER_START_MS = 30_000;
/** Longest wait for the workers' graceful shutdown before they are killed. */
const WORKER_STOP_MS = 20_000;
/** Delay before a dead worker is replaced, doubled on each death in a row, up to the maximum. */
const RESPAWN_MIN_MS = 500;
const RESPAWN_MAX_MS = 30_000;

/** One worker process as the primary sees it. */
interface WorkerProcess {
  index: number;
  child: ChildProcess;
  link: Link;
  ready: boolean;
  startedAt: number;
}

/**
 * The primary process of `workers: N`: it owns the listening socket and the shared state of
 * the machine, and nothing else. Each connection's first request line decides its worker (the
 * SockJS session id, see sticky.ts; any worker for requests without one), and the socket is
 * handed over with the bytes already read. Workers share channels, presence, history,
 * idempotency keys, used signatures, channel occupancy and exclusive channels' places through
 * this process (lib/ipc/, lib/channel-rules/ipc-*), or through Redis when
 * `adapter.type` is `redis` (then this process keeps nothing). A worker that dies is replaced.
 */
export class ClusterPrimary {
  private readonly config: PushyConfig;
  private readonly logger: Logger;
  private readonly workerCount: number;
  private readonly entry: string;
  private readonly env: NodeJS.ProcessEnv | undefined;
  private readonly router: SessionRouter;
  private readonly workers = new Map<number, WorkerProcess>();
  private readonly links = new Map<number, Link>();
  private readonly server = net.createServer((socket) => this.accept(socket));
  private readonly host: RpcHost | undefined;
  private readonly hub: BrokerHub | undefined;
  private readonly presence: PresenceHost | undefined;
  private readonly occupancy: OccupancyHost | undefined;
  private readonly counts: CountHost | undefined;
  private readonly exclusive: ExclusiveHost | undefined;
  private readonly stores: SharedStores | undefined;
  private readonly deathsInARow = new Map<number, number>();
  private roundRobin = 0;
  private stopping = false;
  /** True until every worker serves: connections wait in {@link waiting} (at most {@link MAX_WAITING}). */
  private starting = true;
  private readonly waiting: Array<[net.Socket, Buffer]> = [];
  /** The configuration workers get: this one, with the port bound. */
  private workerConfig: PushyConfig;

  constructor(options: ClusterPrimaryOptions) {
    this.config = options.config;
    this.logger = options.logger;
    this.workerCount = options.workers;
    this.entry = options.workerEntry ?? fileURLToPath(new URL('./worker-main.js', import.meta.url));
    this.env = options.env;
    this.workerConfig = options.config;
    this.router = sessionRouter(this.config, this.workerCount);
    if (this.config.adapter.type === 'memory') {
      // One machine, one copy of the shared state: the memory stores, here.
      this.hub = new BrokerHub((worker) => this.links.get(worker));
      this.presence = new PresenceHost(new MemoryPresenceStore(), () => this.links);
      this.occupancy = new OccupancyHost(() => this.links);
      this.counts = new CountHost(() => this.links);
      this.exclusive = new ExclusiveHost();
      this.stores = { history: memoryHistory(this.config), idempotency: memoryIdempotency(this.config), replays: memoryReplays(this.config) };
      const handlers: Record<string, RpcHandler> = {
        ...this.hub.handlers(),
        ...this.presence.handlers(),
        ...this.occupancy.handlers(),
        ...this.counts.handlers(),
        ...this.exclusive.handlers(),
        ...storeHandlers(this.stores),
      };
      this.host = new RpcHost(handlers);
    }
  }

  /**
   * Listens on the configured host and port, then starts every worker (with the port bound, so
   * that they know their public address); connections that come meanwhile wait for them.
   */
  async start(): Promise<AddressInfo> {
    const address = await new Promise<AddressInfo>((resolve, reject) => {
      const failed = (error: NodeJS.ErrnoException): void => reject(new ListenError(`${this.config.host}:${this.config.port}`, error));
      this.server.once('error', failed);
      this.server.listen(this.config.port, this.config.host, () => {
        this.server.off('error', failed);
        this.server.on('error', (error) => this.logger.error('listening socket error', { error }));
        resolve(this.server.address() as AddressInfo);
      });
    });
    this.workerConfig = { ...this.config, port: address.port };
    try {
      await Promise.all(Array.from({ length: this.workerCount }, (_, index) => this.spawn(index)));
    } catch (error) {
      await this.stopWorkers();
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
      throw error;
    }
    this.starting = false;
    for (const [socket, head] of this.waiting.splice(0)) this.route(socket, head);
    this.logger.info('Pushy listening', { workers: this.workerCount, sockjsPrefix: this.config.sockjs.prefix });
    return address;
  }

  /** `http://host:port` once listening. */
  url(): string {
    const address = this.server.address() as AddressInfo | null;
    if (!address) throw new Error('server is not listening');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const shownHost = host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
    return `http://${shownHost}:${address.port}`;
  }

  /** The worker processes' ids (tests, operators). */
  workerPids(): number[] {
    return [...this.workers.values()].map((worker) => worker.child.pid ?? 0);
  }

  /**
   * Graceful stop: every worker runs its own graceful shutdown (close frames, pending triggers)
   * while this process still routes, so that polling clients can collect their close frame;
   * then the listening socket and the shared state go.
   */
  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.logger.info('Pushy shutting down', { workers: this.workers.size });
    await this.stopWorkers();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.stores) {
      await this.stores.history.close();
      await this.stores.idempotency.close();
      await this.stores.replays.close();
    }
    this.logger.info('Pushy stopped');
  }

  private async stopWorkers(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.workers.values()].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.child.exitCode !== null || worker.child.signalCode !== null) return resolve();
            const timer = setTimeout(() => worker.child.kill('SIGKILL'), WORKER_STOP_MS);
            worker.child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            worker.child.kill('SIGTERM');
          }),
      ),
    );
  }

  /** Forks worker `index`; resolves once it serves. */
  private spawn(index: number): Promise<void> {
    const child = fork(this.entry, [], { env: this.env, serialization: 'json', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const link = childLink(child);
    const worker: WorkerProcess = { index, child, link, ready: false, startedAt: Date.now() };
    this.workers.set(index, worker);
    this.links.set(index, link);
    this.host?.serve(index, link);
    link.onMessage((message, handle) => {
      // A request of a session that lives on another worker, on a connection that came here.
      if (message.kind === 'connection' && handle) this.route(handle, Buffer.from(message.head, 'base64'));
    });
    link.send({ kind: 'start', index, config: this.workerConfig });
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`worker ${index} did not start within ${WORKER_START_MS / 1000} s`));
      }, WORKER_START_MS);
      const removeReady = link.onMessage((message) => {
        if (message.kind !== 'ready') return;
        worker.ready = true;
        clearTimeout(timer);
        removeReady();
        resolve();
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (!worker.ready) reject(new Error(`worker ${index} exited while starting (${signal ?? `code ${code}`})`));
        void this.exited(worker, code, signal);
      });
    });
  }

  /** A worker is gone: forget what it held, and replace it unless the cluster is stopping. */
  private async exited(worker: WorkerProcess, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.workers.get(worker.index) !== worker) return;
    this.workers.delete(worker.index);
    this.links.delete(worker.index);
    this.hub?.dropWorker(worker.index);
    await this.presence?.dropWorker(worker.index);
    await this.occupancy?.dropWorker(worker.index);
    this.counts?.dropWorker(worker.index);
    await this.exclusive?.dropWorker(worker.index);
    if (this.stopping || !worker.ready) return;
    // Deaths in a row (a worker that lived a minute starts the count again) space the restarts out.
    const deaths = Date.now() - worker.startedAt > 60_000 ? 1 : (this.deathsInARow.get(worker.index) ?? 0) + 1;
    this.deathsInARow.set(worker.index, deaths);
    const delay = Math.min(RESPAWN_MAX_MS, RESPAWN_MIN_MS * 2 ** (deaths - 1));
    this.logger.error('worker exited; starting a new one', { worker: worker.index, pid: worker.child.pid, code, signal, restartInMs: delay });
    const timer = setTimeout(() => {
      if (this.stopping) return;
      this.spawn(worker.index).catch((error: unknown) => this.logger.error('worker restart failed', { worker: worker.index, error }));
    }, delay);
    timer.unref();
  }

  /** A new TCP connection: read its request line, then hand it to its worker. */
  private accept(socket: net.Socket): void {
    let head: Buffer = Buffer.alloc(0);
    const done = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.pause();
      // Bytes that come after the request line's chunk (the rest of a body) must stay in the
      // kernel for the worker: a paused stream would still read them into this process, where
      // they would be lost with the handle. (The handle's own readStop: net.Socket has no public
      // way to stop reading at once.)
      (socket as unknown as { _handle?: { readStop?(): void } })._handle?.readStop?.();
    };
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      if (requestTarget(head) === 'incomplete') return;
      done();
      this.route(socket, head);
    };
    // A client gone before its request line: nothing to hand over.
    const onError = (): void => {
      done();
      socket.destroy();
    };
    // A client that says nothing goes to any worker, whose HTTP server times it out.
    const timer = setTimeout(() => {
      done();
      this.route(socket, head);
    }, REQUEST_LINE_WAIT_MS);
    socket.on('data', onData);
    socket.on('error', onError);
  }

  /** Hands a connection (and the bytes read from it) to the worker its request line names. */
  private route(socket: net.Socket, head: Buffer): void {
    // It may wait (for the workers to start, or in Node's queue of handles to send): a reset
    // meanwhile must not go unheard.
    if (socket.listenerCount('error') === 0) socket.on('error', () => socket.destroy());
    const target = requestTarget(head);
    const wanted = typeof target === 'string' ? this.router.route(target) : undefined;
    let worker = wanted === undefined ? undefined : this.workers.get(wanted);
    // A session whose worker died is lost anyway: its requests get another worker's answer.
    if (!worker?.ready || !worker.link.connected) worker = this.anyWorker();
    if (!worker && this.starting && this.waiting.length < MAX_WAITING) {
      this.waiting.push([socket, head]);
      return;
    }
    if (!worker) {
      // No worker serves right now (all restarting): the client retries.
      socket.destroy();
      return;
    }
    // Once the handle went with the message, the socket object here is done with (and its end
    // is what Node's IPC counts when the worker that handed it back asks whether it is closed).
    worker.link.send({ kind: 'connection', head: head.toString('base64') }, socket, () => socket.destroy());
  }

  /** The next ready worker in turn. */
  private anyWorker(): WorkerProcess | undefined {
    for (let tried = 0; tried < this.workerCount; tried++) {
      const worker = this.workers.get(this.roundRobin++ % this.workerCount);
      if (worker?.ready && worker.link.connected) return worker;
    }
    return undefined;
  }
}
