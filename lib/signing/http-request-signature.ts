import { createHmac, hash } from 'node:crypto';
import { z } from 'zod';
import { PushyError } from '../errors.js';
import { safeEqual } from './safe-equal.js';

/**
 * The Pusher HTTP API's request signature (its docs, "Authentication"; pusher-http-node
 * `lib/requests.js`), implemented once for every signed HTTP route: Pushy's v3 trigger and
 * history, and the Pusher HTTP API.
 *
 *   auth_signature = hex HMAC-SHA256(secret, METHOD + "\n" + path + "\n" + query)
 *
 * where `query` is every parameter but `auth_signature`, keys lowercased, sorted by key, joined
 * as `key=value` with `&`, not URL-escaped, from the decoded values; the body is covered by its
 * digest as a parameter (`body_md5` for Pusher, `body_sha256` for Pushy v3). Because the text is
 * joined with `&` and `=` unescaped, a value holding a `&` (or a key holding `=`) could be split
 * into other parameters with the same text: such parameters are refused, on both sides, as are
 * repeated keys.
 */

/** How the body is covered: `md5` is Pusher's `body_md5`; `sha256` is Pushy v3's `body_sha256`. */
export type BodyDigest = 'md5' | 'sha256';

/** What {@link signRequest} signs. */
export interface SignRequestInput {
  /** HTTP method, e.g. `POST` (uppercased for signing). */
  method: string;
  /** The request path as the server reads it, e.g. `/apps/3/events`. */
  path: string;
  /**
   * Every query parameter to send, decoded (not URL-escaped), `auth_timestamp` and
   * `auth_version` (and Pusher's `auth_key`) included; {@link signRequest} adds the rest.
   */
  query: Readonly<Record<string, string>>;
  /** The raw request body; when not empty, its digest is added as `body_<digest>`. */
  body?: string | Uint8Array;
  secret: string;
  /** Default `md5` (Pusher). */
  bodyDigest?: BodyDigest;
}

/** What {@link verifyRequest} checks. */
export interface VerifyRequestInput {
  method: string;
  /** The canonical path the signer used (a front end rebuilds it from the parsed route). */
  path: string;
  /** The query as received: decoded pairs in order, repeats included. */
  query: URLSearchParams;
  /** The raw body ('' when none). */
  body: string | Uint8Array;
  secret: string;
  /** Default `md5` (Pusher). */
  bodyDigest?: BodyDigest;
  /** The `auth_version` this route takes (Pusher `1.0`, Pushy `3`). */
  version: string;
  /** Seconds `auth_timestamp` may be away from the server clock, either way. */
  tolerance: number;
  /** Server clock, ms. */
  now: number;
}

/** A request whose signature, timestamp and body digest checked out. */
export interface VerifiedRequest {
  /** Every parameter but `auth_signature`, by lowercased key (no prototype: any key is plain data). */
  params: Record<string, string>;
  /** `auth_timestamp`, unix seconds. */
  timestamp: number;
  /** The `auth_signature` (lowercase hex), e.g. to refuse a second use of it. */
  signature: string;
}

/** Keys that sort and join unambiguously, in every language's default string order. */
const KEY_PATTERN = /^[a-z0-9_.-]{1,64}$/;

/** The parameter that carries the signature; the only one not signed. */
const SIGNATURE_KEY = 'auth_signature';

/** Most parameters a signed request may carry: the text is built from all of them. */
const MAX_PARAMS = 32;

const authSchema = z.object({
  auth_signature: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
  auth_timestamp: z.string().regex(/^\d{1,15}$/, 'must be an integer (unix seconds)'),
  auth_version: z.string(),
});

/** The text that is HMAC'd: `METHOD\npath\nk1=v1&k2=v2…` over the parameters sorted by key. */
export function requestSigningText(method: string, path: string, params: Readonly<Record<string, string>>): string {
  const keys = Object.keys(params).sort();
  let query = '';
  for (const key of keys) query += `${query === '' ? '' : '&'}${key}=${params[key]}`;
  return `${method.toUpperCase()}\n${path}\n${query}`;
}

/** Lowercase hex HMAC-SHA256 of a UTF-8 text. */
export function hmacSha256Hex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}

/** Lowercase hex digest of a body, as `body_md5` / `body_sha256` carry it. */
export function bodyDigestHex(body: string | Uint8Array, digest: BodyDigest): string {
  return hash(digest, body, 'hex');
}

/**
 * Signs a request: returns the query to send, that is `query` plus `body_<digest>` (when there is
 * a body) and `auth_signature`. Throws a TypeError for a missing secret or a parameter that
 * cannot be signed unambiguously.
 */
export function signRequest(input: SignRequestInput): Record<string, string> {
  if (typeof input.secret !== 'string' || input.secret.length === 0) throw new TypeError('secret is required');
  const digest = input.bodyDigest ?? 'md5';
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [rawKey, value] of Object.entries(input.query)) {
    const key = rawKey.toLowerCase();
    const problem = key === SIGNATURE_KEY ? `${SIGNATURE_KEY} is what signRequest adds` : paramProblem(key, value, params);
    if (problem) throw new TypeError(problem);
    params[key] = value;
  }
  const body = input.body ?? '';
  if (body.length > 0) params[`body_${digest}`] = bodyDigestHex(body, digest);
  const signature = hmacSha256Hex(input.secret, requestSigningText(input.method, input.path, params));
  return { ...params, [SIGNATURE_KEY]: signature };
}

/**
 * Checks a signed request: its parameters (400 `BAD_REQUEST` when one cannot have been signed
 * unambiguously, or an `auth_` one is missing or malformed), its timestamp (403
 * `TIMESTAMP_OUT_OF_BOUNDS`), its signature and its body digest (403 `INVALID_CREDENTIALS`,
 * compared in constant time). Returns the parameters for the route to read.
 */
export function verifyRequest(input: VerifyRequestInput): VerifiedRequest {
  const digestKey = `body_${input.bodyDigest ?? 'md5'}`;
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  let signature: string | undefined;
  let count = 0;
  let problem: string | undefined;
  input.query.forEach((value, rawKey) => {
    count += 1;
    const key = rawKey.toLowerCase();
    if (problem) return;
    if (key === SIGNATURE_KEY) {
      if (signature !== undefined) problem = `Repeated parameter: ${SIGNATURE_KEY}`;
      signature = value;
      return;
    }
    problem = paramProblem(key, value, params);
    params[key] = value;
  });
  if (count > MAX_PARAMS) problem = `Too many parameters (at most ${MAX_PARAMS})`;
  if (problem) throw new PushyError('BAD_REQUEST', problem);
  const auth = authSchema.safeParse({ auth_signature: signature, auth_timestamp: params.auth_timestamp, auth_version: params.auth_version });
  if (!auth.success) {
    const issue = auth.error.issues[0];
    const key = String(issue?.path[0] ?? 'auth');
    const given = key === SIGNATURE_KEY ? signature : params[key];
    throw new PushyError('BAD_REQUEST', given === undefined ? `Missing parameter: ${key}` : `Invalid parameter ${key}: ${issue?.message ?? 'invalid'}`);
  }
  if (auth.data.auth_version !== input.version) {
    throw new PushyError('BAD_REQUEST', `Invalid parameter auth_version: this route takes auth_version=${input.version}`);
  }
  const timestamp = Number(auth.data.auth_timestamp);
  if (!(Math.abs(Math.floor(input.now / 1000) - timestamp) <= input.tolerance)) throw new PushyError('TIMESTAMP_OUT_OF_BOUNDS');
  const expected = hmacSha256Hex(input.secret, requestSigningText(input.method, input.path, params));
  if (!safeEqual(auth.data.auth_signature, expected)) throw new PushyError('INVALID_CREDENTIALS');
  // The signature covers the digest parameter (or its absence), the digest covers the body.
  const givenDigest = params[digestKey];
  if (givenDigest === undefined) {
    if (input.body.length > 0) throw new PushyError('INVALID_CREDENTIALS', `Invalid credentials: the body is not signed (no ${digestKey})`);
  } else if (!safeEqual(givenDigest, bodyDigestHex(input.body, input.bodyDigest ?? 'md5'))) {
    throw new PushyError('INVALID_CREDENTIALS', `Invalid credentials: ${digestKey} does not match the body`);
  }
  return { params, timestamp, signature: auth.data.auth_signature };
}

/** Why a parameter cannot be signed unambiguously, or undefined when it can. */
function paramProblem(key: string, value: string, seen: Record<string, string>): string | undefined {
  if (!KEY_PATTERN.test(key)) return `Invalid parameter name "${key.slice(0, 64)}": signed parameter names are 1 to 64 of a-z 0-9 _ . -`;
  if (seen[key] !== undefined) return `Repeated parameter: ${key}`;
  if (value.includes('&')) return `Invalid parameter ${key}: a signed value cannot contain "&" (it would read as another parameter)`;
  return undefined;
}
