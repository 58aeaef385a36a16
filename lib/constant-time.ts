import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * True when two secrets are equal, compared as SHA-256 digests in constant time, so that neither
 * their content nor their length leaks through timing.
 */
export function secretsEqual(given: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
