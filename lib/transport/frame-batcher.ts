/**
 * How one kind of socket puts a batch of messages on its wire (SockJS: one `a[...]` frame in the
 * transport's framing; Pusher: one WebSocket frame per message). One object per kind of socket:
 * a batch's bytes are built once per framing and shared by every socket of that kind due it.
 */
export interface BatchFraming {
  /** The bytes of every message of `batch`, oldest first. */
  bytesOf(batch: BatchNode): Buffer;
}

/** Something that takes batches of messages as whole frames. */
export interface FrameSink {
  /** The batch due to this sink; owned by the batcher. */
  batch: BatchNode | undefined;
  /** Text bytes in that batch (memory held for the sink); kept by the batcher. */
  queuedBytes: number;
  /** Takes the batch that is due (its frame in the sink's framing: {@link BatchNode.frame}). */
  flushBatch(batch: BatchNode): void;
}

/**
 * One sequence of messages, as a path in a per-flush trie: every sink that is due the same
 * messages in the same order ends on the same node, so their bytes are built once per framing,
 * and the same bytes are written to each of them.
 */
export class BatchNode {
  private framing: BatchFraming | undefined;
  private bytes: Buffer | undefined;
  /** Bytes of other framings (rare: only while sockets of several transports get one batch). */
  private otherBytes: Map<BatchFraming, Buffer> | undefined;
  private onlyChildText: string | undefined;
  private onlyChild: BatchNode | undefined;
  private children: Map<string, BatchNode> | undefined;

  constructor(
    private readonly parent: BatchNode | undefined,
    private readonly text: string,
  ) {}

  /** The node for this sequence followed by `text`. */
  child(text: string): BatchNode {
    // Most nodes have one child (every subscriber got the same events): no Map for them.
    if (this.onlyChildText === text) return this.onlyChild!;
    let node = this.children?.get(text);
    if (node) return node;
    node = new BatchNode(this, text);
    if (this.onlyChild === undefined) {
      this.onlyChildText = text;
      this.onlyChild = node;
    } else {
      this.children ??= new Map();
      this.children.set(text, node);
    }
    return node;
  }

  /** The messages on the path, oldest first (JSON texts, unquoted). */
  messages(): string[] {
    const texts: string[] = [];
    for (let node: BatchNode | undefined = this; node?.parent; node = node.parent) texts.push(node.text);
    return texts.reverse();
  }

  /** The batch's bytes in `framing`, built once per framing. */
  frame(framing: BatchFraming): Buffer {
    if (framing === this.framing) return this.bytes!;
    const known = this.otherBytes?.get(framing);
    if (known) return known;
    const bytes = framing.bytesOf(this);
    if (this.framing === undefined) {
      this.framing = framing;
      this.bytes = bytes;
    } else {
      (this.otherBytes ??= new Map()).set(framing, bytes);
    }
    return bytes;
  }
}

/** The timers a batcher schedules its flushes with. */
export interface BatchTimers {
  setImmediate(callback: () => void): unknown;
  setTimeout(callback: () => void, ms: number): unknown;
}

// Captured at load: a test that fakes the global timers must not be able to stall delivery.
const REAL_TIMERS: BatchTimers = { setImmediate: setImmediate.bind(globalThis), setTimeout: setTimeout.bind(globalThis) };

/**
 * A sink's batch is handed over at once when it reaches this size, delay or not: coalescing
 * bounds the memory held per socket, and what waits for a slow client's socket is what counts
 * against its buffer limit, not what waits for the timer.
 */
export const MAX_BATCH_BYTES = 16 * 1024;

/**
 * Coalesces the messages due to each sink into one write (in the sink's framing). With no delay, the
 * messages of one turn of the event loop go together, written once the turn's I/O callbacks have
 * run (setImmediate): no latency is added. With `delayMs`, a flush happens at most `delayMs`
 * after the first message queued since the last one (Centrifugo's write delay): each socket gets
 * one write for everything due within that window, at the cost of up to `delayMs` of latency.
 */
export class FrameBatcher {
  private root = new BatchNode(undefined, '');
  private due: FrameSink[] = [];
  private scheduled = false;

  constructor(
    private readonly delayMs = 0,
    private readonly timers: BatchTimers = REAL_TIMERS,
  ) {}

  /** Queues one message (a JSON text) for a sink. */
  queue(sink: FrameSink, text: string): void {
    if (sink.batch === undefined) {
      this.due.push(sink);
      sink.batch = this.root.child(text);
    } else {
      sink.batch = sink.batch.child(text);
    }
    sink.queuedBytes += text.length;
    // Scheduled even when this sink is flushed at once below: the flush also drops this round's
    // trie and list of due sinks.
    if (!this.scheduled) {
      this.scheduled = true;
      if (this.delayMs > 0) this.timers.setTimeout(this.flushAll, this.delayMs);
      else this.timers.setImmediate(this.flushAll);
    }
    if (sink.queuedBytes >= MAX_BATCH_BYTES) this.flush(sink);
  }

  /** Hands what is due to one sink over now (before a close frame, for one). */
  flush(sink: FrameSink): void {
    const batch = sink.batch;
    if (batch === undefined) return;
    sink.batch = undefined;
    sink.queuedBytes = 0;
    sink.flushBatch(batch);
  }

  private readonly flushAll = (): void => {
    const due = this.due;
    this.due = [];
    this.root = new BatchNode(undefined, '');
    this.scheduled = false;
    // A sink flushed early (or closed) meanwhile has no batch: flush passes it over.
    for (const sink of due) this.flush(sink);
  };
}
