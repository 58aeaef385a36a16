import { SignJWT } from 'jose';
import { channelKind } from '../channels/channel-policy.js';
import { parseScope, scopeText } from './channel-token-scope.js';
import { CHANNEL_TOKEN_ALGORITHM } from './verify-channel-token.js';

/** What a backend puts in a channel token. */
export interface ChannelTokenInput {
  /** The app key (public): goes in the `kid` header so that Pushy knows which secret signed. */
  key: string;
  /** The secret of that key. Never leaves the backend. */
  secret: string;
  /** A channel name, or a wildcard pattern (`orders.*`, `private-orders.**`). */
  channel: string;
  /** Who the token is for (your user id). */
  sub?: string;
  /** May the holder publish ordinary events to the channels in scope (default false). */
  pub?: boolean;
  /** The presence member object; required for a `presence-` channel. */
  presence?: Record<string, unknown>;
  /** Seconds until the token expires (a positive integer; keep it short: minutes). */
  expiresIn: number;
  /** The signing time, ms since the epoch (default now). */
  now?: number;
}

/**
 * Signs a channel token (an HS256 JWT with `kid` = the app key) that lets a client subscribe to
 * `channel` with `{channel, token}` instead of asking an auth endpoint. Throws a `TypeError` for
 * what is a bug in the caller (no secret, a bad channel, a bad lifetime), as the other signing
 * helpers do.
 */
export async function signChannelToken(input: ChannelTokenInput): Promise<string> {
  if (typeof input.key !== 'string' || input.key.length === 0) throw new TypeError('key is required (it becomes the token\'s kid)');
  if (typeof input.secret !== 'string' || input.secret.length === 0) throw new TypeError('secret is required');
  const scope = typeof input.channel === 'string' ? parseScope(input.channel) : undefined;
  if (scope === undefined) throw new TypeError('channel must be a channel name or a wildcard pattern ("orders.*", "orders.**")');
  const channel = scopeText(scope);
  if (!Number.isSafeInteger(input.expiresIn) || input.expiresIn <= 0) throw new TypeError('expiresIn must be a positive integer (seconds)');
  if (input.presence !== undefined && (typeof input.presence !== 'object' || input.presence === null || Array.isArray(input.presence))) {
    throw new TypeError('presence must be an object (the member)');
  }
  if ('channel' in scope && channelKind(channel) === 'presence' && input.presence === undefined) {
    throw new TypeError('a token for a presence channel needs presence (the member object)');
  }
  const issuedAt = Math.floor((input.now ?? Date.now()) / 1000);
  const claims: Record<string, unknown> = { channel };
  if (input.pub !== undefined) claims.pub = input.pub === true;
  if (input.presence !== undefined) claims.presence = input.presence;
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: CHANNEL_TOKEN_ALGORITHM, kid: input.key, typ: 'JWT' })
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + input.expiresIn);
  if (input.sub !== undefined) jwt.setSubject(input.sub);
  return jwt.sign(new TextEncoder().encode(input.secret));
}
