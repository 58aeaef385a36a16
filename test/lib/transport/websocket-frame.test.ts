import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { expect } from 'chai';
import { webSocketTextFrame, webSocketTextFrames } from '../../../lib/transport/websocket-frame.js';

/** The `ws` library's frame parser (not in its type declarations). */
const { Receiver } = createRequire(import.meta.url)('ws') as { Receiver: new (options: { isServer: boolean }) => Writable };

/** What the `ws` library's own frame parser (a client's receiving end) reads from `bytes`. */
function receive(bytes: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const messages: string[] = [];
    // A client's receiver: it refuses masked frames from a server, as browsers do.
    const receiver = new Receiver({ isServer: false });
    receiver.on('message', (data: Buffer, isBinary: boolean) => messages.push(isBinary ? '<binary>' : data.toString()));
    receiver.on('error', reject);
    receiver.write(bytes, () => resolve(messages));
  });
}

describe('WebSocket frames built once', () => {
  it('builds unmasked final text frames with 7-bit, 16-bit and 64-bit lengths', () => {
    for (const length of [0, 1, 125, 126, 65535, 65536, 70000]) {
      const frame = webSocketTextFrame('x'.repeat(length));
      expect(frame[0]).to.equal(0x81);
      const len7 = frame[1]! & 0x7f;
      expect(frame[1]! & 0x80, 'unmasked').to.equal(0);
      const [headerLength, decoded] =
        len7 === 126 ? [4, frame.readUInt16BE(2)] : len7 === 127 ? [10, Number(frame.readBigUInt64BE(2))] : [2, len7];
      expect(decoded).to.equal(length);
      expect(frame.length).to.equal(headerLength + length);
    }
    const utf8 = webSocketTextFrame('é');
    expect([...utf8]).to.deep.equal([0x81, 2, 0xc3, 0xa9]);
  });

  it('puts several messages back to back in one buffer, each its own message for a client, in order', async () => {
    const payloads = ['{"event":"a"}', '', 'é ☃ 𝄞', 'x'.repeat(125), 'y'.repeat(126), 'z'.repeat(65536)];
    const bytes = webSocketTextFrames(payloads);
    expect(await receive(bytes)).to.deep.equal(payloads);
    expect(bytes.equals(Buffer.concat(payloads.map(webSocketTextFrame)))).to.equal(true);
  });

  it('makes one message of a single payload exactly as webSocketTextFrame does', async () => {
    expect(webSocketTextFrames(['{"n":1}']).equals(webSocketTextFrame('{"n":1}'))).to.equal(true);
    expect(await receive(webSocketTextFrames(['{"n":1}']))).to.deep.equal(['{"n":1}']);
  });
});
