import { verifyChannelAuth as verifyLegacyChannelAuth, verifyTrigger as verifyLegacyTrigger, type ChannelAuthInput } from './legacy-auth.js';
import { PushyError } from '../errors.js';
import type { Logger } from '../logger.js';
import { isSocketId } from '../util/socket-id.js';
import { verifyRequest } from './http-request-signature.js';
import type { SignatureReplayStore } from './replay-store.js';
import { safeEqual } from './safe-equal.js';
import { AUTH_VERSION_V3, CHANNEL_AUTH_V3_PREFIX, historyPath, signChannelV3, signPatternV3, triggerPath } from './v3.js';

/**
 * The one signature rule of a server, built once from config and handed to every place that
 * checks one (the subscribe command, the trigger and history routes): v3 always, v1/v2 only
 * while `signing.legacy` is on; a v3 request signature is good for one request.
 */

/** What {@link SignaturePolicy} is built from. */
export interface SignaturePolicyOptions {
  secretKey: string;
  /** Seconds a request's timestamp may be away from the server clock, either way. */
  timestampTolerance: number;
  /** Also take the v1/v2 forms (`signing.legacy`). */
  legacy: boolean;
  /** The v3 signatures already used (per node in memory, or cluster-wide in Redis). */
  replays: SignatureReplayStore;
  logger: Logger;
  /** Server clock in ms (tests pass a fake one). */
  now?: () => number;
}

/** How an HTTP request is signed, as its route read it from the query. */
export type RequestCredentials =
  /** v3: `auth_signature` over every parameter; the whole query is checked. */
  | { form: 'v3'; query: URLSearchParams }
  /** v1/v2: `auth_key` over channel, event, timestamp and body. */
  | { form: 'legacy'; timestamp: string; authKey: string };

/** A request whose signature checked out. */
export interface SignedRequest {
  form: 'v3' | 'legacy';
  /**
   * True when the body's text, as received, is what was signed (v3, or v2 over the raw body);
   * false for v1, which signed `JSON.stringify` of the parsed body.
   */
  rawBody: boolean;
  /** Unix seconds the request was signed at. */
  timestamp: number;
  /** The v3 `auth_signature` (absent for v1/v2). */
  signature?: string;
}

/**
 * Whose secrets a check takes: an app's live secrets (newest first; during a rotation the old
 * pair's too) and, for an app named in the URL, its id (part of the signed path). Left out:
 * the default app, signed with `secretKey` on the `/pushy/...` paths.
 */
export interface SigningScope {
  secrets: readonly string[];
  /** The app id as named in the request path (`/pushy/app/<id>/...`). */
  app?: string;
}

/**
 * An unsigned request let in by its address (`trigger.trustedNetworks`): no signature to
 * remember, its body delivered as sent.
 */
export const TRUSTED: SignedRequest = Object.freeze({ form: 'legacy', rawBody: true, timestamp: 0 });

/** What a trigger offers to be checked. */
export interface TriggerCheck {
  /** Lowercased, valid channel name. */
  channel: string;
  event: string;
  credentials: RequestCredentials;
  /** The body exactly as received ('' when none). */
  rawBody: string;
  /** The parsed body (for v1, which signed its `JSON.stringify`). */
  parsedBody: unknown;
  /** Whose secrets sign it (default: the default app's). */
  scope?: SigningScope;
}

/** The event name a v1/v2 history request is signed with, like a trigger with an empty body. */
export const LEGACY_HISTORY_EVENT = 'pushy:history';

const LEGACY_OFF =
  'Invalid credentials: v1/v2 signatures (auth_key) are turned off on this server (signing.legacy is false); sign with v3 (auth_signature)';

const V3_ONLY = 'Invalid credentials: this route takes only v3 signatures (auth_signature, auth_timestamp, auth_version=3)';

const FORGOTTEN =
  'Timestamp out of bounds: too old to be checked for replays on this node (its replay memory, signing.maxReplayKeys, is full); sign again with the current time';

/** The server's signature rule (see the module comment). */
export class SignaturePolicy {
  private readonly now: () => number;

  constructor(private readonly options: SignaturePolicyOptions) {
    this.now = options.now ?? Date.now;
  }

  /** True when a query carries a v3 signature; its route then reads its credentials as v3. */
  static isV3(query: URLSearchParams): boolean {
    return query.has('auth_signature');
  }

  /**
   * Checks a subscribe's `auth`: a `v3:` one against the v3 text, any other (while legacy is
   * on) against the v2 and v1 texts.
   */
  verifyChannelAuth(input: ChannelAuthInput, secrets: readonly string[] = [this.options.secretKey]): boolean {
    if (!isSocketId(input.socketId)) return false;
    if (input.auth.startsWith(CHANNEL_AUTH_V3_PREFIX)) {
      const { socketId, channel, presenceData } = input;
      // A wildcard pattern (parsed by the caller) is signed with the pattern in the channel's place.
      return secrets.some((secretKey) =>
        safeEqual(input.auth, channel.includes('*') ? signPatternV3({ socketId, pattern: channel, secretKey }) : signChannelV3({ socketId, channel, presenceData, secretKey })),
      );
    }
    return this.options.legacy && secrets.some((secretKey) => verifyLegacyChannelAuth(secretKey, input));
  }

  /** Checks a trigger (`POST /pushy/channel/<channel>/trigger`); throws the catalogue error otherwise. */
  verifyTrigger(check: TriggerCheck): SignedRequest {
    const { credentials, scope } = check;
    const secrets = this.secretsOf(scope);
    if (credentials.form === 'v3') return this.verifyV3('POST', triggerPath(check.channel, scope?.app), credentials.query, check.rawBody, secrets);
    this.requireLegacy();
    const { timestampTolerance } = this.options;
    const { channel, event, rawBody, parsedBody } = check;
    const { timestamp, authKey } = credentials;
    const signed = withAnySecret(secrets, (secretKey) => verifyLegacyTrigger(secretKey, timestampTolerance, { channel, event, timestamp, authKey, rawBody, parsedBody }, this.now()));
    return { form: 'legacy', rawBody: signed === 'raw', timestamp: Number(timestamp) };
  }

  /**
   * Checks a history read (`GET /pushy/channel/<channel>/history`). A v1/v2 one is signed like a
   * trigger of the event `pushy:history` with an empty body.
   */
  verifyHistory(channel: string, credentials: RequestCredentials, scope?: SigningScope): SignedRequest {
    const secrets = this.secretsOf(scope);
    if (credentials.form === 'v3') return this.verifyV3('GET', historyPath(channel, scope?.app), credentials.query, '', secrets);
    this.requireLegacy();
    const { timestamp, authKey } = credentials;
    const input = { channel, event: LEGACY_HISTORY_EVENT, timestamp, authKey, rawBody: '', parsedBody: {} };
    withAnySecret(secrets, (secretKey) => verifyLegacyTrigger(secretKey, this.options.timestampTolerance, input, this.now()));
    return { form: 'legacy', rawBody: true, timestamp: Number(timestamp) };
  }

  /**
   * Checks a request to a route that only takes v3 signatures (`POST /pushy/events`,
   * `POST /pushy/batch_events`: v1/v2 signed one channel and event, which these bodies do not
   * have); throws the catalogue error otherwise. `path` is the route's canonical path.
   */
  verifyV3Only(method: string, path: string, query: URLSearchParams, rawBody: string): SignedRequest {
    if (!SignaturePolicy.isV3(query)) throw new PushyError('INVALID_CREDENTIALS', V3_ONLY);
    return this.verifyV3(method, path, query, rawBody, this.secretsOf(undefined));
  }

  /**
   * Runs `work` for a checked request once per v3 signature: a signature used before is refused
   * (409 `SIGNATURE_REPLAYED`) and `work` does not run. When `work` fails, the signature is given
   * back, so the same request may be sent again. v1/v2 signatures cannot be told apart from a
   * backend's retry, so they are not remembered (their replays stay possible within the window).
   */
  async once<T>(signed: SignedRequest, work: () => Promise<T>): Promise<T> {
    const { signature } = signed;
    if (signature === undefined) return work();
    const claim = await this.options.replays.claim(signature, signed.timestamp, signed.timestamp + this.options.timestampTolerance);
    if (!claim.fresh) {
      if (claim.reason === 'seen') throw new PushyError('SIGNATURE_REPLAYED');
      throw new PushyError('TIMESTAMP_OUT_OF_BOUNDS', FORGOTTEN);
    }
    try {
      return await work();
    } catch (error) {
      await this.options.replays.release(signature).catch((releaseError: unknown) => {
        this.options.logger.warn('giving back a used signature failed: that request must be signed anew to be retried', { error: releaseError });
      });
      throw error;
    }
  }

  private verifyV3(method: string, path: string, query: URLSearchParams, body: string, secrets: readonly string[]): SignedRequest {
    const verified = withAnySecret(secrets, (secret) =>
      verifyRequest({
        method,
        path,
        query,
        body,
        secret,
        bodyDigest: 'sha256',
        version: AUTH_VERSION_V3,
        tolerance: this.options.timestampTolerance,
        now: this.now(),
      }),
    );
    return { form: 'v3', rawBody: true, timestamp: verified.timestamp, signature: verified.signature };
  }

  private secretsOf(scope: SigningScope | undefined): readonly string[] {
    return scope?.secrets ?? [this.options.secretKey];
  }

  private requireLegacy(): void {
    if (!this.options.legacy) throw new PushyError('INVALID_CREDENTIALS', LEGACY_OFF);
  }
}

/**
 * The first secret `check` passes with. Only a signature mismatch (`INVALID_CREDENTIALS`) moves
 * on to the next secret (an app mid-rotation has two); any other refusal (a stale timestamp, a
 * malformed query) is the same for every secret and is thrown at once. No secret at all (every
 * pair of the app expired) is a mismatch.
 */
function withAnySecret<T>(secrets: readonly string[], check: (secret: string) => T): T {
  let mismatch: unknown = new PushyError('INVALID_CREDENTIALS');
  for (const secret of secrets) {
    try {
      return check(secret);
    } catch (error) {
      if (!(error instanceof PushyError) || error.errorName !== 'INVALID_CREDENTIALS') throw error;
      mismatch = error;
    }
  }
  throw mismatch;
}
