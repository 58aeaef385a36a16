import type { IncomingMessage } from 'node:http';
import { PushyError } from '../errors.js';
import { checkJsonDepth } from '../util/json-depth.js';

/** A request body as parsed. */
export interface ParsedBody {
  /** The event data: the parsed JSON or form, `{}` when empty. */
  value: unknown;
  /** When the body was JSON: its text (without surrounding whitespace), exactly as received. */
  json?: string;
}

/**
 * Strict UTF-8: an invalid sequence is refused rather than replaced (the replacement would be
 * delivered, though it was never sent nor signed). A byte order mark stays in the text, where
 * JSON.parse refuses it, as before.
 */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new PushyError('BAD_REQUEST', 'Body is not valid UTF-8');
  }
}

/** By default, past this many bytes over the limit an oversized upload is cut instead of drained. */
const DRAIN_CAP_BYTES = 16 * 1024 * 1024;

/**
 * Reads a request body of at most `limit` bytes, as strict UTF-8 text (invalid: 400). An oversized body is refused with
 * 413 after draining it (so the client reads the answer), or by cutting the socket when it is
 * more than `drainBytes` over the limit; a body cut short by the client is refused with
 * `BODY_INCOMPLETE` (a client fault).
 */
export function readBody(req: IncomingMessage, limit: number, drainBytes = DRAIN_CAP_BYTES): Promise<string> {
  return readBodyAs(req, limit, drainBytes, (chunks) => decodeUtf8(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
}

/** Like {@link readBody}, but the bytes as received. */
export function readBodyBytes(req: IncomingMessage, limit: number, drainBytes = DRAIN_CAP_BYTES): Promise<Buffer> {
  return readBodyAs(req, limit, drainBytes, (chunks) => (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
}

/**
 * The reading itself; `finish` turns the chunks into the result. Listeners rather than an async
 * iterator: no promise per chunk, and cheaper per request.
 */
function readBodyAs<T>(req: IncomingMessage, limit: number, drainBytes: number, finish: (chunks: Buffer[]) => T): Promise<T> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit + drainBytes) {
    req.destroy();
    return Promise.reject(new PushyError('BODY_TOO_LARGE'));
  }
  // Read already (nothing left) or cut before its end.
  if (req.readableEnded) return Promise.resolve(finish([]));
  if (req.destroyed) return Promise.reject(incomplete());
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
      if (size > limit + drainBytes) {
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
      else {
        // Decoding may refuse the bytes (strict UTF-8): a rejection, never a throw from a listener.
        try {
          resolve(finish(chunks));
        } catch (error) {
          reject(error);
        }
      }
    };
    // An error on the request stream is the client's connection failing (reset, aborted).
    const onError = (): void => {
      settle();
      reject(incomplete());
    };
    // 'close' after 'end' finds the listeners gone; before it, the body was cut short.
    const onClose = (): void => {
      settle();
      reject(incomplete());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** The refusal of a body the client stopped sending: a client fault, not a server error. */
function incomplete(): PushyError {
  return new PushyError('BODY_INCOMPLETE');
}

/**
 * Parses an event body by content type: JSON, or a form delivered as an object. A form body
 * that is itself JSON (what `curl -d '{...}'` sends) is read as JSON.
 */
export function parseEventBody(raw: string, contentType: string | undefined): ParsedBody {
  if (raw.trim() === '') return { value: {} };
  // The usual header needs no splitting.
  const type = contentType === 'application/json' ? contentType : (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    const json = tryJson(raw);
    if (json.ok && typeof json.value === 'object' && json.value !== null) {
      checkJsonDepth(raw, 'Body');
      return { value: json.value, json: raw.trim() };
    }
    return { value: Object.fromEntries(new URLSearchParams(raw)) };
  }
  if (type === '' || type === 'application/json' || type.endsWith('+json') || type === 'text/plain') {
    const json = tryJson(raw);
    if (!json.ok) throw new PushyError('BAD_REQUEST', 'Body is not valid JSON');
    checkJsonDepth(raw, 'Body');
    // JSON.parse took it, so the only whitespace trim() can remove is JSON's own.
    return { value: json.value, json: raw.trim() };
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
