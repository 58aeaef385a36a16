import { expect } from 'chai';
import { CompactSign } from 'jose';
import fc from 'fast-check';
import { isPushyError } from '../../../lib/errors.js';
import { ChannelTokenVerifier } from '../../../lib/tokens/verify-channel-token.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const SECRET = 'fuzz-secret';
const TOKEN_ERRORS = new Set(['TOKEN_INVALID', 'TOKEN_EXPIRED', 'TOKEN_WRONG_CHANNEL', 'TOKEN_UNKNOWN_KEY', 'TOKEN_ALGORITHM']);

/** Resolves whether `verify` accepted; fails on any rejection that is not a token error. */
async function outcome(verifier: ChannelTokenVerifier, token: unknown, target: string): Promise<boolean> {
  try {
    await verifier.verify(token, target);
    return true;
  } catch (error) {
    expect(isPushyError(error) && TOKEN_ERRORS.has(error.errorName), `not a token error: ${String(error)}`).to.equal(true);
    return false;
  }
}

const b64 = (value: string | Uint8Array): string => Buffer.from(value).toString('base64url');

/** `[[[...]]]` nested `depth` deep, as JSON text. */
const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('channel tokens: hostile input (property)', () => {
  const verifier = new ChannelTokenVerifier({ secretForKid: (kid) => (kid === 'k' ? SECRET : undefined), now: () => NOW });

  it('any text or value as a token: only a token error, never a throw of another kind', async () => {
    const token = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 400 }),
      fc.array(fc.string({ unit: fc.constantFrom('a', 'A', '0', '-', '_', '.', '=', '/', '+', ' '), maxLength: 60 }), { maxLength: 5 }).map((parts) => parts.join('.')),
      fc.tuple(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 64 })).map((parts) => parts.map(b64).join('.')),
      fc.constantFrom('a'.repeat(5_000_000), '.'.repeat(16384), `${b64(nested(5000))}.e30.x`, `${b64('{"alg":"HS256","kid":"k"}')}.${b64(nested(5000))}.x`),
      fc.anything(),
    );
    await fc.assert(
      fc.asyncProperty(token, async (input) => {
        expect(await outcome(verifier, input, 'orders')).to.equal(false);
      }),
      { numRuns: 1500 },
    );
  });

  it('correctly signed tokens over hostile headers and payloads: only a token error or a grant', async () => {
    const json = fc.jsonValue({ maxDepth: 6 });
    const header = fc.oneof(
      { arbitrary: fc.constant({ alg: 'HS256', kid: 'k' }), weight: 3 },
      fc.record({ alg: fc.oneof(fc.constantFrom('HS256', 'none', 'HS512', 'RS256', 'hs256', ''), json), kid: fc.oneof(fc.constantFrom('k', 'x', '__proto__', ''), json) }, { requiredKeys: ['alg'] }),
      fc.record({ alg: fc.constant('HS256'), kid: fc.constant('k'), crit: fc.array(fc.string(), { maxLength: 3 }), b64: fc.boolean() }),
    );
    const claims = fc.record(
      {
        channel: fc.oneof(fc.constantFrom('orders', 'orders.*', 'orders.**', 'presence-x', 'presence-x.*', '*', '__proto__', 'a'.repeat(300)), json),
        exp: fc.oneof(fc.constantFrom(NOW / 1000 + 60, NOW / 1000 - 60, 1e308, -1, 0), json),
        nbf: fc.oneof(fc.integer(), json),
        pub: fc.oneof(fc.boolean(), json),
        sub: fc.oneof(fc.string(), json),
        presence: json,
      },
      { requiredKeys: [] },
    );
    // Mostly right claims with hostile extras: what gets past the signature and the types.
    const plausible = fc
      .record(
        { pub: fc.boolean(), sub: fc.string({ minLength: 1, maxLength: 200 }), presence: fc.dictionary(fc.string(), json), extra: fc.dictionary(fc.string(), json) },
        { requiredKeys: [] },
      )
      .map(({ extra, ...known }) => ({ ...extra, ...known, channel: 'orders', exp: NOW / 1000 + 60 }));
    const payload = fc.oneof(
      { arbitrary: plausible.map((value) => JSON.stringify(value)), weight: 3 },
      claims.map((value) => JSON.stringify(value)),
      json.map((value) => JSON.stringify(value)),
      fc.constantFrom(nested(3000), `{"channel":"orders","exp":${NOW / 1000 + 60},"deep":${nested(3000)}}`, '{"channel":"orders","exp":1e400}', '{"__proto__":{"pub":true},"channel":"orders","exp":9999999999}', 'not json'),
    );
    await fc.assert(
      fc.asyncProperty(header, payload, async (head, body) => {
        let token: string;
        try {
          token = await new CompactSign(new TextEncoder().encode(body)).setProtectedHeader(head as { alg: string }).sign(new TextEncoder().encode(SECRET));
        } catch {
          // jose refuses to sign some headers (bad crit, b64); forge those by hand, with a wrong signature.
          token = `${b64(JSON.stringify(head))}.${b64(body)}.${b64('sig')}`;
        }
        const accepted = await outcome(verifier, token, 'orders');
        if (accepted) {
          const grant = await verifier.verify(token, 'orders');
          expect(grant.channel).to.equal('orders');
          expect(grant.pub).to.be.a('boolean');
          expect(grant.expiresAt).to.be.greaterThan(NOW - 5000);
        }
      }),
      { numRuns: 1500 },
    );
  });
});
