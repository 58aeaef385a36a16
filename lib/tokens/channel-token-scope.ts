import { normaliseChannelName } from '../channels/channel-policy.js';
import { isWildcardPattern, parsePattern, patternCovers, patternMatches, type WildcardPattern } from '../wildcards/pattern.js';

/**
 * What a channel token is for: one channel, or a wildcard pattern that covers every channel
 * (and every narrower pattern) it matches.
 */
export type TokenScope = { readonly channel: string } | { readonly pattern: WildcardPattern };

/** What a client asks for with a token: a (normalised) channel name, or a parsed pattern. */
export type TokenTarget = string | WildcardPattern;

/**
 * Parses the `channel` claim: a channel name or a wildcard pattern, normalised. `undefined`
 * when it is neither (the caller says how the token is wrong).
 */
export function parseScope(claim: string, maxLength?: number): TokenScope | undefined {
  if (isWildcardPattern(claim)) {
    try {
      return { pattern: parsePattern(claim, maxLength) };
    } catch {
      return undefined;
    }
  }
  const channel = normaliseChannelName(claim);
  if (channel === null || (maxLength !== undefined && channel.length > maxLength)) return undefined;
  return { channel };
}

/** The scope as the claim text, normalised (`orders.*`, `private-chat`). */
export function scopeText(scope: TokenScope): string {
  return 'channel' in scope ? scope.channel : scope.pattern.source;
}

/**
 * True when a token for `scope` lets its holder subscribe to (or publish on) `target`: the same
 * channel, a channel the scope's pattern matches, or a pattern the scope's pattern covers.
 */
export function scopeCovers(scope: TokenScope, target: TokenTarget): boolean {
  if ('channel' in scope) return typeof target === 'string' && target === scope.channel;
  return typeof target === 'string' ? patternMatches(scope.pattern, target) : patternCovers(scope.pattern, target);
}
