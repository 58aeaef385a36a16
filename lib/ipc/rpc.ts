import type { ClusterMessage, Link } from './link.js';

/** A call to the primary failed there, or could not reach it. */
export class ClusterCallError extends Error {
  override readonly name = 'ClusterCallError';
}

/**
 * The worker's side of calls to the primary: each call gets an id, and its promise settles with
 * the primary's reply. Calls still waiting when the primary goes away fail.
 */
export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  constructor(private readonly link: Link) {
    link.onMessage((message) => {
      if (message.kind !== 'reply') return;
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (message.ok) waiting.resolve(message.value);
      else waiting.reject(new ClusterCallError(message.error));
    });
  }

  /**
   * Runs `op` on the primary with `args` (JSON values). Trailing undefined arguments are left
   * out, so that optional parameters arrive as undefined (JSON would make them null).
   */
  call<T>(op: string, ...args: unknown[]): Promise<T> {
    if (!this.link.connected) return Promise.reject(new ClusterCallError(`${op}: the primary process is gone`));
    while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.link.send({ kind: 'call', id, op, args });
    });
  }

  /** Fails every call still waiting (the primary went away). */
  failAll(reason: string): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const call of waiting) call.reject(new ClusterCallError(reason));
  }
}

/** An operation the primary serves; `worker` is the caller's number. */
export type RpcHandler = (worker: number, ...args: never[]) => unknown;

/** The primary's side: runs the operations workers call and answers each. */
export class RpcHost {
  constructor(private readonly handlers: Readonly<Record<string, RpcHandler>>) {}

  /** Serves the calls that arrive on one worker's link. */
  serve(worker: number, link: Link): () => void {
    return link.onMessage((message) => {
      if (message.kind === 'call') void this.answer(worker, link, message);
    });
  }

  private async answer(worker: number, link: Link, call: Extract<ClusterMessage, { kind: 'call' }>): Promise<void> {
    const handler = Object.hasOwn(this.handlers, call.op) ? this.handlers[call.op] : undefined;
    try {
      if (!handler) throw new Error(`unknown cluster operation ${JSON.stringify(call.op)}`);
      const value = await (handler as (worker: number, ...args: unknown[]) => unknown)(worker, ...call.args);
      link.send({ kind: 'reply', id: call.id, ok: true, value });
    } catch (error) {
      link.send({ kind: 'reply', id: call.id, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  }
}
