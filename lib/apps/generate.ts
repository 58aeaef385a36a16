import { randomBytes, randomInt } from 'node:crypto';

/**
 * Fresh identifiers for apps created without them, shaped like Pusher's so that SDKs and
 * dashboards that expect those shapes are at home. Secrets come from `generateSecretKey` in
 * `lib/config.ts`, the one generator of secrets.
 */

/** A 12-digit numeric app id (Pusher app ids are numeric strings). */
export function generateAppId(): string {
  return String(randomInt(100_000_000_000, 1_000_000_000_000));
}

/** A 20-character lowercase hex app key (80 random bits), like Pusher's. */
export function generateAppKey(): string {
  return randomBytes(10).toString('hex');
}
