import { PushyError } from '../errors.js';
import { MAX_CHANNEL_NAME_LENGTH } from '../config.js';

/**
 * Wildcard channel patterns: literal segments separated by `.`, then `*` (exactly one more
 * segment) or `**` (one or more segments) as the whole last segment. `orders.*` matches
 * `orders.1`, not `orders.1.items` nor `orders`; `orders.**` matches `orders.1` and
 * `orders.1.items`, not `orders`. A wildcard stands for non-empty segments only.
 */

/** The two wildcards a pattern may end with. */
export type Wildcard = '*' | '**';

/** A parsed, normalised (lowercased) pattern. */
export interface WildcardPattern {
  /** The pattern as text, lowercased: `orders.*`. */
  readonly source: string;
  /** The literal segments before the wildcard, at least one: `['orders']`. */
  readonly prefix: readonly string[];
  readonly wildcard: Wildcard;
  /**
   * The kind of every channel the pattern matches (its first segment decides): a `private`
   * pattern needs a signature over the pattern at the call site.
   */
  readonly kind: 'public' | 'private';
}

/** One literal segment: the channel-name alphabet without the separator. */
const SEGMENT = /^[a-z0-9_\-=@,;:]+$/;

/**
 * True when a subscribe names a pattern rather than a channel: `*` is not in the channel-name
 * alphabet, so no valid channel name is mistaken for one.
 */
export function isWildcardPattern(text: string): boolean {
  return text.includes('*');
}

/**
 * Parses and normalises a pattern, or throws `INVALID_PATTERN` saying what is wrong (never
 * echoing the input, which may be huge). `maxLength`: the longest channel name accepted.
 */
export function parsePattern(text: unknown, maxLength: number = MAX_CHANNEL_NAME_LENGTH): WildcardPattern {
  if (typeof text !== 'string' || text.length === 0) throw invalid('expected a non-empty text');
  // Length first: a huge input costs no more than a short one.
  if (text.length > maxLength) throw invalid(`longer than ${maxLength} characters`);
  const segments = text.toLowerCase().split('.');
  const last = segments.pop()!;
  if (last !== '*' && last !== '**') throw invalid('it must end with ".*" (one more segment) or ".**" (any depth below)');
  if (segments.length === 0) throw invalid('it needs at least one segment before the wildcard, e.g. "orders.*"');
  for (const segment of segments) {
    if (segment.length === 0) throw invalid('empty segment (two dots in a row, or a leading dot)');
    if (segment.includes('*')) throw invalid('"*" and "**" may only be the whole last segment');
    if (!SEGMENT.test(segment)) throw invalid('a segment may contain only A-Z a-z 0-9 _ - = @ , ; :');
  }
  const first = segments[0]!;
  if (first.startsWith('presence-')) throw invalid('presence channels cannot be subscribed to with a wildcard');
  return {
    source: [...segments, last].join('.'),
    prefix: segments,
    wildcard: last,
    kind: first.startsWith('private-') ? 'private' : 'public',
  };
}

/**
 * True when `pattern` matches the (normalised) channel name. For one check (a token's scope);
 * a subscription index uses {@link WildcardIndex}, whose cost does not grow with the patterns.
 */
export function patternMatches(pattern: WildcardPattern, channel: string): boolean {
  const segments = channel.split('.');
  const depth = pattern.prefix.length;
  if (segments.length <= depth) return false;
  for (let i = 0; i < depth; i += 1) if (segments[i] !== pattern.prefix[i]) return false;
  if (pattern.wildcard === '*' && segments.length !== depth + 1) return false;
  for (let i = depth; i < segments.length; i += 1) if (segments[i] === '') return false;
  return true;
}

/**
 * True when every channel `requested` matches is also matched by `scope` (a token for `scope`
 * then covers a subscription to `requested`): equal patterns, or a `**` scope whose prefix
 * `requested`'s prefix extends (`orders.**` covers `orders.*` and `orders.1.**`).
 */
export function patternCovers(scope: WildcardPattern, requested: WildcardPattern): boolean {
  if (scope.source === requested.source) return true;
  if (scope.wildcard !== '**' || requested.prefix.length < scope.prefix.length) return false;
  return scope.prefix.every((segment, i) => requested.prefix[i] === segment);
}

function invalid(reason: string): PushyError {
  return new PushyError('INVALID_PATTERN', `Invalid wildcard pattern: ${reason}`);
}
