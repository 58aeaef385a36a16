import { timingSafeEqual } from 'node:crypto';

/** Compares two signatures in constant time (for equal lengths; lengths are not secret). */
export function safeEqual(given: string, expected: string): boolean {
  // Equal UTF-8 bytes means equal UTF-16 lengths, so a length mismatch needs no encoding.
  if (given.length !== expected.length) return false;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
