import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { describeIssue } from '../apps/app.js';
import { PushyError } from '../errors.js';
import { channelKind } from '../channels/channel-policy.js';
import { parseScope, scopeCovers, scopeText, type TokenScope, type TokenTarget } from './channel-token-scope.js';

/**
 * Channel tokens (Pandapush's JWTs): a backend signs, with an app secret, what one client may do
 * on one channel or wildcard pattern, and the client subscribes with `{channel, token}` without
 * the auth round trip. HS256 only; `kid` names the app key whose secret signed it.
 */

/** The only algorithm accepted: a shared-secret HMAC, like every other Pushy signature. */
export const CHANNEL_TOKEN_ALGORITHM = 'HS256';

/** Seconds of clock difference forgiven on `exp` and `nbf` (backends' clocks drift a little). */
export const DEFAULT_TOKEN_CLOCK_TOLERANCE = 5;

/** Longest token accepted, in characters: as large as a whole client frame may be. */
export const DEFAULT_MAX_TOKEN_LENGTH = 16384;

/** What a verified token grants. */
export interface ChannelGrant {
  /** The token's scope as signed, normalised: a channel name or a pattern (`orders.*`). */
  readonly channel: string;
  /** The subject the backend named (its user id), when it named one. */
  readonly sub?: string;
  /** True when the holder may also publish ordinary events to the channels in scope. */
  readonly pub: boolean;
  /** The presence member object, for a presence channel. */
  readonly presence?: Readonly<Record<string, unknown>>;
  /** When the token expires, ms since the epoch. */
  readonly expiresAt: number;
}

/** What a {@link ChannelTokenVerifier} needs. */
export interface ChannelTokenVerifierDeps {
  /**
   * The secret of the app key a token's `kid` names, or `undefined` when the app has no such
   * live key (see `appSecretLookup`).
   */
  secretForKid: (kid: string) => string | undefined;
  /** Seconds forgiven on `exp` and `nbf` (default {@link DEFAULT_TOKEN_CLOCK_TOLERANCE}). */
  clockTolerance?: number;
  /** Longest token accepted (default {@link DEFAULT_MAX_TOKEN_LENGTH}). */
  maxTokenLength?: number;
  /** Longest channel name accepted in the `channel` claim (default: the protocol's). */
  maxChannelNameLength?: number;
  /** Clock in ms (tests pass a fake one). */
  now?: () => number;
}

/** The claims Pushy reads; registered claims it does not use (`iss`, `jti`, ...) are let through. */
const claimsSchema = z.object({
  channel: z.string({ error: 'must be a channel name or a wildcard pattern' }).min(1, 'must not be empty'),
  sub: z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
  pub: z.boolean({ error: 'must be true or false' }).optional(),
  presence: z.record(z.string(), z.unknown(), { error: 'must be a JSON object (the member)' }).optional(),
  exp: z.number(),
});

/**
 * Verifies channel tokens for one app. Every refusal is a {@link PushyError} saying which:
 * `TOKEN_INVALID` (malformed, badly signed, a claim missing or wrong, not valid yet),
 * `TOKEN_EXPIRED`, `TOKEN_WRONG_CHANNEL`, `TOKEN_UNKNOWN_KEY`, `TOKEN_ALGORITHM`. The signature
 * is checked by jose's HMAC verification (constant time) before any claim is believed.
 */
export class ChannelTokenVerifier {
  private readonly clockTolerance: number;
  private readonly maxTokenLength: number;
  private readonly now: () => number;

  constructor(private readonly deps: ChannelTokenVerifierDeps) {
    this.clockTolerance = deps.clockTolerance ?? DEFAULT_TOKEN_CLOCK_TOLERANCE;
    this.maxTokenLength = deps.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
    this.now = deps.now ?? (() => Date.now());
  }

  /**
   * Verifies `token` for a subscription to (or a publish on) `target`: a normalised channel
   * name or a parsed pattern. Resolves to what the token grants, or rejects with a token error.
   */
  async verify(token: unknown, target: TokenTarget): Promise<ChannelGrant> {
    if (typeof token !== 'string' || token.length === 0) throw invalid('expected a JWT text');
    // Length first: nothing below runs on a huge input.
    if (token.length > this.maxTokenLength) throw invalid(`longer than ${this.maxTokenLength} characters`);
    const secret = this.secretFor(readHeader(token));
    const payload = await this.verifySignatureAndTimes(token, secret);
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw invalid(`claim ${describeIssue(claims.error)}`);
    const { channel, sub, pub, presence, exp } = claims.data;
    const scope = parseScope(channel, this.deps.maxChannelNameLength);
    if (scope === undefined) throw invalid('claim channel: not a valid channel name or wildcard pattern');
    if (!scopeCovers(scope, target)) throw new PushyError('TOKEN_WRONG_CHANNEL');
    if (presence === undefined && isPresence(scope)) throw invalid('a token for a presence channel needs a "presence" claim (the member)');
    const grant: { -readonly [K in keyof ChannelGrant]: ChannelGrant[K] } = { channel: scopeText(scope), pub: pub === true, expiresAt: exp * 1000 };
    if (sub !== undefined) grant.sub = sub;
    if (presence !== undefined) grant.presence = presence;
    return grant;
  }

  private secretFor(header: { alg: unknown; kid: unknown }): Uint8Array {
    if (header.alg !== CHANNEL_TOKEN_ALGORITHM) {
      const named = typeof header.alg === 'string' && /^[A-Za-z0-9+_-]{1,20}$/.test(header.alg) ? ` "${header.alg}"` : '';
      throw new PushyError('TOKEN_ALGORITHM', `Channel token algorithm${named} refused: only HS256 is accepted`);
    }
    if (typeof header.kid !== 'string' || header.kid.length === 0) throw invalid('the header needs a "kid" naming the app key');
    const secret = this.deps.secretForKid(header.kid);
    if (secret === undefined || secret.length === 0) throw new PushyError('TOKEN_UNKNOWN_KEY');
    return new TextEncoder().encode(secret);
  }

  private async verifySignatureAndTimes(token: string, secret: Uint8Array): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, secret, {
        algorithms: [CHANNEL_TOKEN_ALGORITHM],
        requiredClaims: ['exp'],
        clockTolerance: this.clockTolerance,
        currentDate: new Date(this.now()),
      });
      return payload;
    } catch (error) {
      throw fromJose(error);
    }
  }
}

/** The protected header's `alg` and `kid`, read before the signature is checked (to pick the key). */
function readHeader(token: string): { alg: unknown; kid: unknown } {
  try {
    const header = decodeProtectedHeader(token);
    return { alg: header.alg, kid: header.kid };
  } catch {
    throw invalid('not a JWT in compact form');
  }
}

/** jose's refusals, as catalogue errors. jose's own messages name claims, never their values. */
function fromJose(error: unknown): PushyError {
  if (error instanceof joseErrors.JWTExpired) return new PushyError('TOKEN_EXPIRED');
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return new PushyError('TOKEN_ALGORITHM');
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return invalid('bad signature');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return invalid('not valid yet (nbf)');
    if (error.reason === 'missing') return invalid(`it needs an "${error.claim}" claim`);
    return invalid(`claim ${error.claim}: ${error.reason === 'invalid' ? 'must be a number (seconds since the epoch)' : 'refused'}`);
  }
  return invalid('malformed');
}

function isPresence(scope: TokenScope): boolean {
  return 'channel' in scope && channelKind(scope.channel) === 'presence';
}

function invalid(reason: string): PushyError {
  return new PushyError('TOKEN_INVALID', `Invalid channel token: ${reason}`);
}
