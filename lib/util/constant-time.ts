import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * True when two secrets are equal, compared as SHA-256 digests in constant time, so that neither
 * their content nor their length leaks through timing.
 */
export function secretsEqual(given: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Compares two signatures in constant time (for equal lengths: a signature's length is public,
 * so a mismatch of lengths returns at once).
 */
export function safeEqual(given: string, expected: string): boolean {
  // Equal UTF-8 bytes means equal UTF-16 lengths, so a length mismatch needs no encoding.
  if (given.length !== expected.length) return false;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
