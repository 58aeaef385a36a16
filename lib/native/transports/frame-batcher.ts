import { messageFrame, quote, webSocketTextFrame } from './sockjs-framing.js';

/** Something that takes whole pre-built WebSocket frames. */
export interface FrameSink {
  /** The batch due to this sink this tick; owned by the batcher. */
  batch: BatchNode | undefined;
  writeFrame(frame: Buffer): void;
}

/**
 * One sequence of messages, as a path in a per-tick trie: every sink that is due the same
 * messages in the same order ends on the same node, so their `a[...]` frame is built once and
 * the same bytes are written to each of them.
 */
export class BatchNode {
  private frame: Buffer | undefined;
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

  /** The WebSocket frame carrying `a[...]` of every message on the path, built once. */
  toFrame(): Buffer {
    if (!this.frame) {
      const quoted: string[] = [];
      for (let node: BatchNode | undefined = this; node?.parent; node = node.parent) quoted.push(quote(node.text));
      this.frame = webSocketTextFrame(messageFrame(quoted.reverse()));
    }
    return this.frame;
  }
}

// Captured at load: a test that fakes timers must not be able to stall delivery.
const realSetImmediate = setImmediate;

/**
 * Coalesces the messages due to each sink in one turn of the event loop into one SockJS
 * `a[...]` frame, written once the turn's I/O callbacks have run (setImmediate).
 */
export class FrameBatcher {
  private root = new BatchNode(undefined, '');
  private due: FrameSink[] = [];
  private scheduled = false;

  /** Queues one message (a JSON text) for a sink. */
  queue(sink: FrameSink, text: string): void {
    if (sink.batch === undefined) {
      this.due.push(sink);
      sink.batch = this.root.child(text);
    } else {
      sink.batch = sink.batch.child(text);
    }
    if (!this.scheduled) {
      this.scheduled = true;
      realSetImmediate(this.flushAll);
    }
  }

  /** Writes what is due to one sink now (before a close frame, for one). */
  flush(sink: FrameSink): void {
    const batch = sink.batch;
    if (batch === undefined) return;
    sink.batch = undefined;
    sink.writeFrame(batch.toFrame());
  }

  private readonly flushAll = (): void => {
    const due = this.due;
    this.due = [];
    this.root = new BatchNode(undefined, '');
    this.scheduled = false;
    for (const sink of due) this.flush(sink);
  };
}
