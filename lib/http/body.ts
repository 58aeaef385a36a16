import type { IncomingMessage } from 'node:http';
import { PushyError } from '../errors.js';

/** Past this many bytes over the limit an oversized upload is cut instead of drained. */
const DRAIN_CAP_BYTES = 16 * 1024 * 1024;

/**
 * Reads a request body of at most `limit` bytes. An oversized body is refused with 413 after
 * draining it (so the client reads the answer), or by cutting the socket when it is enormous.
 * Listeners rather than an async iterator: no promise per chunk, and cheaper per request.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit + DRAIN_CAP_BYTES) {
    req.destroy();
    return Promise.reject(new PushyError('BODY_TOO_LARGE'));
  }
  // Read already (nothing left) or cut before its end: as the stream's async iterator would say.
  if (req.readableEnded) return Promise.resolve('');
  if (req.destroyed) return Promise.reject(req.errored ?? prematureClose());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit + DRAIN_CAP_BYTES) {
        settle();
        req.destroy();
        reject(new PushyError('BODY_TOO_LARGE'));
        return;
      }
      if (size <= limit) chunks.push(chunk);
    };
    const onEnd = (): void => {
      settle();
      if (size > limit) reject(new PushyError('BODY_TOO_LARGE'));
      else resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (error: Error): void => {
      settle();
      reject(error);
    };
    // 'close' after 'end' finds the listeners gone; before it, the body was cut short.
    const onClose = (): void => {
      settle();
      reject(prematureClose());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** What Node's stream helpers reject with when a stream closes before its end. */
function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/**
 * Parses an event body by content type: JSON, or a form delivered as an object. A form body
 * that is itself JSON (what `curl -d '{...}'` sends) is read as JSON.
 */
export function parseEventBody(raw: string, contentType: string | undefined): unknown {
  if (raw.trim() === '') return {};
  // The usual header needs no splitting.
  const type = contentType === 'application/json' ? contentType : (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    const json = tryJson(raw);
    if (json.ok && typeof json.value === 'object' && json.value !== null) return json.value;
    return Object.fromEntries(new URLSearchParams(raw));
  }
  if (type === '' || type === 'application/json' || type.endsWith('+json') || type === 'text/plain') {
    const json = tryJson(raw);
    if (!json.ok) throw new PushyError('BAD_REQUEST', 'Body is not valid JSON');
    return json.value;
  }
  throw new PushyError('UNSUPPORTED_MEDIA_TYPE');
}

function tryJson(raw: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch {
    return { ok: false };
  }
}
