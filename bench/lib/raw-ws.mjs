/**
 * A minimal WebSocket client over a raw TCP socket, so that the load generator costs far less
 * per message than the servers it measures: no per-frame events or strings, just a frame
 * parser that hands each complete text payload (a Buffer) to `onText`, answers pings, and
 * sends masked text frames (with a zero mask key, which RFC 6455 allows).
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';

const ZERO_MASK = Buffer.alloc(4);

/** Encodes a client text frame. */
export function clientFrame(text, opcode = 0x1) {
  const payload = Buffer.from(text);
  const len = payload.length;
  const header = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff]);
  return Buffer.concat([header, ZERO_MASK, payload]);
}

/**
 * Connects to ws://host:port<path>. Resolves with { socket, send(text), close() } after the
 * 101 answer; `onText(buffer, client)` gets every text message, `onError(error)` socket errors once
 * connected, `onClose()` the end.
 */
export function connectRaw({ host, port, path, localAddress, onText, onClose, onError }) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, localAddress });
    socket.setNoDelay(true);
    let handshake = Buffer.alloc(0);
    let upgraded = false;
    // Frame parser state.
    let header = Buffer.alloc(0);
    let remaining = 0;
    let opcode = 0;
    let parts = [];
    const client = {
      socket,
      send: (text) => socket.write(clientFrame(text)),
      close: () => socket.destroy(),
    };

    const endFrame = () => {
      const payload = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      parts = [];
      if (opcode === 0x9) socket.write(clientFrame(payload, 0xa));
      else if (opcode === 0x8) {
        // Answer the close handshake at once, as browsers do: the server need not wait for us.
        socket.end(clientFrame(payload.subarray(0, 2), 0x8));
      } else if (opcode === 0x1 || opcode === 0x0) onText(payload, client);
    };

    const parse = (chunk) => {
      let pos = 0;
      while (pos < chunk.length) {
        if (remaining === 0 && parts.length === 0) {
          // Need a whole header: 2 bytes, plus 2 or 8 of extended length.
          const available = header.length ? Buffer.concat([header, chunk.subarray(pos)]) : chunk.subarray(pos);
          if (available.length < 2) {
            header = Buffer.from(available);
            return;
          }
          const len7 = available[1] & 0x7f;
          const headerLength = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
          if (available.length < headerLength) {
            header = Buffer.from(available);
            return;
          }
          opcode = available[0] & 0x0f;
          remaining = len7 === 126 ? available.readUInt16BE(2) : len7 === 127 ? Number(available.readBigUInt64BE(2)) : len7;
          pos += headerLength - header.length;
          header = Buffer.alloc(0);
          if (remaining === 0) {
            parts.push(Buffer.alloc(0));
            endFrame();
            continue;
          }
        }
        const n = Math.min(remaining, chunk.length - pos);
        parts.push(chunk.subarray(pos, pos + n));
        remaining -= n;
        pos += n;
        if (remaining === 0) endFrame();
      }
    };

    socket.on('connect', () => {
      const key = randomBytes(16).toString('base64');
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    socket.on('data', (chunk) => {
      if (upgraded) return parse(chunk);
      handshake = Buffer.concat([handshake, chunk]);
      const end = handshake.indexOf('\r\n\r\n');
      if (end === -1) return;
      const status = handshake.subarray(0, handshake.indexOf('\r\n')).toString();
      if (!/^HTTP\/1\.1 101/.test(status)) {
        socket.destroy();
        reject(new Error(`upgrade refused: ${status}`));
        return;
      }
      upgraded = true;
      resolve(client);
      const rest = handshake.subarray(end + 4);
      handshake = Buffer.alloc(0);
      if (rest.length) parse(rest);
    });
    socket.on('error', (error) => {
      if (!upgraded) reject(error);
      else onError?.(error);
    });
    socket.on('close', () => onClose?.());
  });
}
