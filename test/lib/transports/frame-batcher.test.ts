import { expect } from 'chai';
import { FrameBatcher, type BatchNode, type FrameSink } from '../../../lib/native/transports/frame-batcher.js';

class Sink implements FrameSink {
  batch: BatchNode | undefined;
  readonly frames: Buffer[] = [];
  writeFrame(frame: Buffer): void {
    this.frames.push(frame);
  }
  texts(): string[] {
    return this.frames.map((f) => f.subarray(2).toString());
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('FrameBatcher', () => {
  it('coalesces one turn of messages into one a[...] frame per sink, in order', async () => {
    const batcher = new FrameBatcher();
    const sink = new Sink();
    batcher.queue(sink, '{"n":1}');
    batcher.queue(sink, '{"n":2}');
    expect(sink.frames).to.have.length(0);
    await nextTurn();
    expect(sink.texts()).to.deep.equal(['a["{\\"n\\":1}","{\\"n\\":2}"]']);
    batcher.queue(sink, '{"n":3}');
    await nextTurn();
    expect(sink.texts()).to.deep.equal(['a["{\\"n\\":1}","{\\"n\\":2}"]', 'a["{\\"n\\":3}"]']);
  });

  it('writes the very same bytes to sinks due the same messages, and their own to the others', async () => {
    const batcher = new FrameBatcher();
    const [a, b, c] = [new Sink(), new Sink(), new Sink()];
    for (const sink of [a, b, c]) batcher.queue(sink, 'e1');
    batcher.queue(a, 'e2');
    batcher.queue(b, 'e2');
    batcher.queue(c, 'other');
    await nextTurn();
    expect(a.frames[0]).to.equal(b.frames[0]);
    expect(a.texts()).to.deep.equal(['a["e1","e2"]']);
    expect(c.texts()).to.deep.equal(['a["e1","other"]']);
  });

  it('flushes one sink on demand (before a close frame) and nothing twice', async () => {
    const batcher = new FrameBatcher();
    const sink = new Sink();
    batcher.queue(sink, 'last');
    batcher.flush(sink);
    expect(sink.texts()).to.deep.equal(['a["last"]']);
    await nextTurn();
    expect(sink.frames).to.have.length(1);
  });
});
