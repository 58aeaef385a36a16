import type { IncomingMessage } from 'node:http';
import { PushyError } from '../errors.js';

/** A request body as received and as parsed. */
export interface ParsedBody {
  /** Exactly the bytes received, as UTF-8 text ('' when none). */
  raw: string;
  /** The event data: the parsed JSON or form, `{}` when empty. */
  value: unknown;
}

/** Past this many bytes over the limit an oversized upload is cut instead of drained. */
const DRAIN_CAP_BYTES = 16 * 1024 * 1024;

/**
 * Reads a request body of at most `limit` bytes. An oversized body is refused with 413 after
 * draining it (so the client reads the answer), or by cutting the socket when it is enormous.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit + DRAIN_CAP_BYTES) {
    req.destroy();
    throw new PushyError('BODY_TOO_LARGE');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit + DRAIN_CAP_BYTES) {
      req.destroy();
      throw new PushyError('BODY_TOO_LARGE');
    }
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) throw new PushyError('BODY_TOO_LARGE');
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Parses an event body by content type: JSON, or a form delivered as an object. A form body
 * that is itself JSON (what `curl -d '{...}'` sends) is read as JSON.
 */
export function parseEventBody(raw: string, contentType: string | undefined): unknown {
  if (raw.trim() === '') return {};
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
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
