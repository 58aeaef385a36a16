import { expect } from 'chai';
import sinon from 'sinon';
import { FrameBatcher, MAX_BATCH_BYTES, type BatchNode, type FrameSink } from '../../../lib/transport/frame-batcher.js';
import { EVENTSOURCE_FRAMING, WEBSOCKET_FRAMING, XHR_FRAMING, type Framing } from '../../../lib/native/transports/sockjs-framing.js';

class Sink implements FrameSink {
  batch: BatchNode | undefined;
  queuedBytes = 0;
  readonly frames: Buffer[] = [];
  constructor(private readonly framing: Framing = WEBSOCKET_FRAMING) {}
  flushBatch(batch: BatchNode): void {
    this.frames.push(batch.frame(this.framing));
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

  it('builds a batch\'s bytes once per framing: sinks of one transport share them, each transport has its own', async () => {
    const batcher = new FrameBatcher();
    const [ws, xhrA, xhrB, es] = [new Sink(), new Sink(XHR_FRAMING), new Sink(XHR_FRAMING), new Sink(EVENTSOURCE_FRAMING)];
    for (const sink of [ws, xhrA, xhrB, es]) batcher.queue(sink, '{"p":"50%"}');
    await nextTurn();
    expect(xhrA.frames[0]).to.equal(xhrB.frames[0]);
    expect(xhrA.frames[0]!.toString()).to.equal('a["{\\"p\\":\\"50%\\"}"]\n');
    // EventSource as sockjs writes it: `%` escaped, since sockjs-client decodeURIs every event.
    expect(es.frames[0]!.toString()).to.equal('data: a["{\\"p\\":\\"50%25\\"}"]\r\n\r\n');
    expect(ws.texts()).to.deep.equal(['a["{\\"p\\":\\"50%\\"}"]']);
  });

  describe('with a write delay', () => {
    let clock: sinon.SinonFakeTimers;
    // The global timers, faked, for the batcher (by default it keeps the real ones, captured at load).
    const faked = { setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms), setImmediate: (callback: () => void) => setImmediate(callback) };
    beforeEach(() => {
      clock = sinon.useFakeTimers();
    });
    afterEach(() => clock.restore());

    it('sends everything due to a sink within the delay as one frame, once the delay is over', () => {
      const batcher = new FrameBatcher(30, faked);
      const [a, b] = [new Sink(), new Sink()];
      batcher.queue(a, 'e1');
      clock.tick(10);
      batcher.queue(a, 'e2');
      batcher.queue(b, 'e2');
      clock.tick(19);
      expect(a.frames, 'still within the delay').to.have.length(0);
      clock.tick(1);
      expect(a.texts()).to.deep.equal(['a["e1","e2"]']);
      expect(b.texts()).to.deep.equal(['a["e2"]']);
      // The next message starts a new window.
      batcher.queue(a, 'e3');
      clock.runToLast();
      expect(a.texts()).to.deep.equal(['a["e1","e2"]', 'a["e3"]']);
    });

    it('hands a batch over at once when it reaches MAX_BATCH_BYTES (memory per socket stays bounded)', () => {
      const batcher = new FrameBatcher(10_000, faked);
      // Lines, not WebSocket frames: no length header to skip.
      const sink = new Sink(XHR_FRAMING);
      const big = 'x'.repeat(MAX_BATCH_BYTES / 2);
      batcher.queue(sink, big);
      expect(sink.frames).to.have.length(0);
      expect(sink.queuedBytes).to.equal(big.length);
      batcher.queue(sink, big);
      expect(sink.frames, 'flushed without waiting for the delay').to.have.length(1);
      expect(sink.queuedBytes).to.equal(0);
      batcher.queue(sink, 'next');
      clock.runAll();
      expect(sink.frames.map(String)).to.deep.equal([`a["${big}","${big}"]\n`, 'a["next"]\n']);
    });

    it('still flushes a sink at once on demand (a close)', () => {
      const batcher = new FrameBatcher(10_000, faked);
      const sink = new Sink();
      batcher.queue(sink, 'bye');
      batcher.flush(sink);
      expect(sink.texts()).to.deep.equal(['a["bye"]']);
      clock.runAll();
      expect(sink.frames).to.have.length(1);
    });
  });
});
