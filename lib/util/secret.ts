import { randomBytes } from 'node:crypto';

/** A fresh random secret (48 hex digits), for a server started without one and for new apps. */
export function generateSecretKey(): string {
  return randomBytes(24).toString('hex');
}
