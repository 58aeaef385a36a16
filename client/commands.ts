import type { ServerFrame } from './frames.js';

/** A command the server refused (`pushy:error` with the command's id), or one that got no answer. */
export class PushyCommandError extends Error {
  override readonly name = 'PushyCommandError';
  /** The server's error code (e.g. `'200'` unknown command), or `'disconnected'` / `'closed'`. */
  readonly code: string;
  /**
   * The server's stable error name (e.g. `'RATE_LIMITED'`; several causes share a code), when
   * the server sent one. Match on this, not on the message.
   */
  readonly errorName: string | undefined;

  constructor(message: string, code: string, errorName?: string) {
    super(message);
    this.code = code;
    this.errorName = errorName;
  }
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: PushyCommandError): void;
}

/**
 * Command frames with ids and their answers. A command issued while disconnected waits in a
 * queue and goes out, in order, once connected; one sent but unanswered when the socket drops
 * is rejected (it may or may not have run, so it is not resent).
 */
export class CommandQueue {
  private nextId = 1;
  private readonly queued: Array<{ text: string; id: string }> = [];
  private readonly pending = new Map<string, Pending>();

  /** `send` returns false when the frame could not go out now. */
  constructor(private readonly send: (text: string) => boolean) {}

  /** Sends (or queues) a command and resolves with its `pushy:reply` result. */
  exec(command: string, data?: unknown): Promise<unknown> {
    const id = `c${this.nextId++}`;
    const frame: Record<string, unknown> = { command, id };
    if (data !== undefined) frame.data = data;
    const text = JSON.stringify(frame);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (!this.send(text)) this.queued.push({ text, id });
    });
  }

  /** Sends a command only if connected now (never queued); undefined when it was not sent. */
  execNow(command: string, data?: unknown): Promise<unknown> | undefined {
    const id = `c${this.nextId++}`;
    const frame: Record<string, unknown> = { command, id };
    if (data !== undefined) frame.data = data;
    if (!this.send(JSON.stringify(frame))) return undefined;
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  /** Sends every queued command, in order; stops if the connection goes again. */
  flush(): void {
    while (this.queued.length > 0) {
      const next = this.queued[0]!;
      if (!this.send(next.text)) return;
      this.queued.shift();
    }
  }

  /** Settles the command a `pushy:reply` or `pushy:error` frame answers; false if none. */
  settle(frame: ServerFrame): boolean {
    const id = frame.data?.id;
    if (id === undefined) return false;
    const pending = this.pending.get(String(id));
    if (!pending) return false;
    this.pending.delete(String(id));
    if (frame.event === 'pushy:reply') pending.resolve(frame.data.result);
    else pending.reject(commandError(frame.data));
    return true;
  }

  /** The socket dropped: commands already sent will never be answered. */
  connectionLost(): void {
    const queuedIds = new Set(this.queued.map((q) => q.id));
    for (const [id, pending] of this.pending) {
      if (queuedIds.has(id)) continue;
      this.pending.delete(id);
      pending.reject(new PushyCommandError('Connection lost before the reply', 'disconnected'));
    }
  }

  /** The client was closed: every command, queued or sent, is rejected. */
  closed(): void {
    this.queued.length = 0;
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.reject(new PushyCommandError('Client closed', 'closed'));
    }
  }
}

/** The error a `pushy:error` frame's data describes. */
function commandError(data: Record<string, unknown>): PushyCommandError {
  const name = typeof data.name === 'string' ? data.name : undefined;
  return new PushyCommandError(String(data.message ?? 'Command refused'), String(data.code ?? 'unknown'), name);
}
