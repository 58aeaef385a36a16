import { createHmac } from 'node:crypto';
import { safeEqual } from '../util/constant-time.js';

/**
 * Pusher's socket signatures (../shared/PUSHER.md A4): lowercase hex HMAC-SHA256 with the app
 * secret, sent as `<key>:<hex>`.
 */

/** Lowercase hex HMAC-SHA256 of `text` keyed by `secret`. */
export function hmacSha256Hex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

/** The text a private or presence channel signature covers. */
export function channelStringToSign(socketId: string, channel: string, channelData?: string): string {
  return channelData === undefined ? `${socketId}:${channel}` : `${socketId}:${channel}:${channelData}`;
}

/** The text a user sign-in signature covers. */
export function signinStringToSign(socketId: string, userData: string): string {
  return `${socketId}::user::${userData}`;
}

/** The `auth` a backend gives a client: `key:hex`. */
export function pusherAuth(key: string, secret: string, stringToSign: string): string {
  return `${key}:${hmacSha256Hex(secret, stringToSign)}`;
}

/**
 * The app key an `auth` names, or undefined when it is not `key:hex`. The caller finds the
 * secrets of that key (a rotated app has several) and checks with {@link verifyPusherAuth}.
 */
export function authKeyOf(auth: string): string | undefined {
  const colon = auth.lastIndexOf(':');
  if (colon <= 0 || colon !== auth.length - 65) return undefined;
  return auth.slice(0, colon);
}

/** True when `auth` is `key:hex` signed with `secret` over `stringToSign`; constant time. */
export function verifyPusherAuth(auth: string, key: string, secret: string, stringToSign: string): boolean {
  return safeEqual(auth, pusherAuth(key, secret, stringToSign));
}
