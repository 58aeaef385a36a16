import http from 'node:http';
import { expect } from 'chai';
import fc from 'fast-check';
import { ERRORS } from '../../lib/errors.js';
import { EVENTS } from '../../lib/native/protocol.js';
import type { Frame } from './client.js';
import type { ServerProcess } from './process-server.js';

/** Every wire code of the catalogue. */
export const KNOWN_CODES = new Set<string>(Object.values(ERRORS).map((e) => e.code));
const KNOWN_EVENTS = new Set<string>(Object.values(EVENTS));

/** Strings a hostile client would try: odd unicode, prototype names, near-valid names, huge ones. */
export const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'presence-', 'private-', '', ' ', '\u0000', '\ud800', '%zz', 'a'.repeat(201)),
  fc.stringMatching(/^(private-|presence-)?[A-Za-z0-9_\-=@,.;:]{1,30}$/),
  fc.string({ minLength: 5000, maxLength: 20000 }),
);

/** JSON text nested `depth` levels deep in arrays or objects, well-formed or cut short. */
export const deepJson: fc.Arbitrary<string> = fc
  .record({
    depth: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 100, max: 7000 })),
    kind: fc.constantFrom('array', 'object', 'mixed'),
    leaf: fc.constantFrom('', '1', '"x"', 'null', '{}', '[]'),
    closed: fc.boolean(),
  })
  .map(({ depth, kind, leaf, closed }) => {
    let open = '';
    let close = '';
    for (let level = 0; level < depth; level += 1) {
      const array = kind === 'array' || (kind === 'mixed' && level % 2 === 0);
      open += array ? '[' : '{"k":';
      close = (array ? ']' : '}') + close;
    }
    return open + (leaf || (kind === 'object' ? '0' : '')) + (closed ? close : close.slice(0, close.length >> 1));
  });

/** Stands for a deep JSON text in a value, spliced into the frame's text after encoding. */
const DEEP = '\u0000deep\u0000';

/** Any JSON value, with odd strings, and now and then a deeply nested one (see {@link DEEP}). */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant(DEEP),
);

/** Random bytes, as a hostile client's binary garbage. */
export const randomBytes = fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes));

/** A client frame's text: raw text, random or deep JSON, or a command-shaped object with wrong or odd fields. */
export const frameText: fc.Arbitrary<string> = fc.oneof(
  nastyString,
  fc.json({ maxDepth: 4 }),
  deepJson,
  fc
    .tuple(
      fc.record(
      {
        command: fc.oneof(fc.constantFrom('subscribe', 'unsubscribe', 'SUBSCRIBE', 'Unsubscribe'), anyValue),
        data: fc.oneof(
          anyValue,
          fc.record(
            {
              channel: anyValue,
              auth: anyValue,
              data: fc.oneof(anyValue, fc.jsonValue().map((v) => JSON.stringify(v)), deepJson),
              since: fc.oneof(anyValue, fc.record({ offset: anyValue, epoch: anyValue }, { requiredKeys: [] })),
            },
            { requiredKeys: [] },
          ),
        ),
        id: anyValue,
      },
      { requiredKeys: [] },
      ),
      deepJson,
    )
    .map(([frame, deep]) => JSON.stringify(frame).split(JSON.stringify(DEEP)).join(deep)),
);

/** A whole client frame: text, or binary garbage. */
export const frameArb: fc.Arbitrary<string | Buffer> = fc.oneof(frameText, frameText, frameText, randomBytes);

/** An HTTP body: JSON, deep JSON, odd text, a form, random bytes, nothing. */
export const bodyArb: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.json(),
  deepJson,
  nastyString,
  randomBytes,
  fc.constant(''),
  fc.constantFrom('{"a":', 'null', '[]', '"str"', 'a=1&b=%zz', '{"__proto__":null}', '{"constructor":{"prototype":1}}'),
  fc.jsonValue({ maxDepth: 3 }).map((value) => `d=${encodeURIComponent(JSON.stringify(value))}`),
);

/** Content types a client might send, right and wrong. */
export const contentTypeArb = fc.constantFrom(
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'text/plain;charset=UTF-8',
  'image/png',
  '',
  'application/json; charset=utf-16',
);

/** A socket answer must be a known event; an error has a known code and a message, and is never internal. */
export function checkFrame(frame: Frame): void {
  const shown = JSON.stringify(frame).slice(0, 200);
  expect(KNOWN_EVENTS.has(frame.event), shown).to.equal(true);
  if (frame.event === EVENTS.error) {
    expect(frame.data.message, shown).to.be.a('string');
    expect(KNOWN_CODES.has(frame.data.code as string), shown).to.equal(true);
    expect(frame.data.code, shown).to.not.equal(ERRORS.INTERNAL.code);
  }
}

/** An HTTP refusal must be a JSON catalogue error, never an internal one, never showing the secret. */
export function checkHttpError(answer: { status: number; text: string }, secret: string): void {
  const body = JSON.parse(answer.text) as { error?: { code: unknown; message: unknown } };
  expect(body.error?.code, answer.text).to.be.a('string');
  expect(KNOWN_CODES.has(body.error!.code as string), answer.text).to.equal(true);
  expect(body.error!.code, answer.text).to.not.equal(ERRORS.INTERNAL.code);
  expect(body.error?.message).to.be.a('string').and.not.contain(secret);
}

/** Form-encodes any text as its UTF-8 bytes (a lone surrogate included, as U+FFFD). */
export function formEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) out += /[A-Za-z0-9_.~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : '%' + byte.toString(16).padStart(2, '0');
  return out;
}

/** Percent-encodes what a request line cannot carry, but keeps `%` so that bad escapes go through. */
export function rawPath(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    out += byte > 0x20 && byte < 0x7f && byte !== 0x23 && byte !== 0x3f ? String.fromCharCode(byte) : '%' + byte.toString(16).padStart(2, '0');
  }
  return out;
}

/** One request through `agent`; resolves with status and text (status 0 when the server cut it). */
export function send(
  agent: http.Agent,
  url: string,
  method: string,
  path: string,
  body: string | Buffer | undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const req = http.request({ host: hostname, port: Number(port), method, path, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', () => resolve({ status: 0, text }));
    });
    req.on('error', (error) => resolve({ status: 0, text: error.message }));
    req.end(method === 'GET' || method === 'HEAD' ? undefined : body);
  });
}

/**
 * Server RSS may end this far above where it started after a fuzz run (README, "Limits and
 * security"); V8 gives freed memory back to the system a few seconds after the load stops.
 */
export const FUZZ_RSS_BOUND_BYTES = 20 * 1024 * 1024;

/** Waits (up to 30 s, polling) until the server's RSS is within the bound of `startRss`; fails with the last reading. */
export async function rssSettles(proc: ServerProcess, startRss: number): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const growth = proc.rssBytes() - startRss;
    if (growth < FUZZ_RSS_BOUND_BYTES || Date.now() > deadline) return growth;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
