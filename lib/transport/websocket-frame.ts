/**
 * Server-to-client WebSocket text frames (RFC 6455 5.2: FIN, opcode 1, unmasked), built once so
 * that the same bytes can go to many sockets: servers never mask, so one frame serves them all.
 */

/** Bytes of the header of a frame whose payload is `length` bytes. */
function headerLength(length: number): number {
  return length < 126 ? 2 : length < 65536 ? 4 : 10;
}

/** Writes a frame's header at `offset` and returns where its payload starts. */
function writeHeader(target: Buffer, offset: number, length: number): number {
  target[offset] = 0x81;
  if (length < 126) {
    target[offset + 1] = length;
    return offset + 2;
  }
  if (length < 65536) {
    target[offset + 1] = 126;
    target.writeUInt16BE(length, offset + 2);
    return offset + 4;
  }
  target[offset + 1] = 127;
  target.writeBigUInt64BE(BigInt(length), offset + 2);
  return offset + 10;
}

/** One complete text frame carrying `payload`. */
export function webSocketTextFrame(payload: string): Buffer {
  const length = Buffer.byteLength(payload);
  const frame = Buffer.allocUnsafe(headerLength(length) + length);
  frame.write(payload, writeHeader(frame, 0, length), 'utf8');
  return frame;
}

/**
 * One text frame per payload, back to back in one buffer: a socket gets them in one write (one
 * system call), and the client still sees one message per payload.
 */
export function webSocketTextFrames(payloads: readonly string[]): Buffer {
  if (payloads.length === 1) return webSocketTextFrame(payloads[0]!);
  const lengths = payloads.map((payload) => Buffer.byteLength(payload));
  let total = 0;
  for (const length of lengths) total += headerLength(length) + length;
  const frames = Buffer.allocUnsafe(total);
  let offset = 0;
  for (let i = 0; i < payloads.length; i += 1) {
    const start = writeHeader(frames, offset, lengths[i]!);
    offset = start + frames.write(payloads[i]!, start, 'utf8');
  }
  return frames;
}
