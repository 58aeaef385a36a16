/**
 * Wildcard channel patterns on the client: `orders.*` (exactly one more segment) and
 * `orders.**` (one or more), the server's rule (lib/wildcards/pattern.ts). The server sends an
 * event once, naming its concrete channel; the client hands it to every pattern that matches.
 */

/** A pattern's text: segments of the channel alphabet, then `*` or `**` as the whole last one. */
export const PATTERN_NAME = /^[A-Za-z0-9_\-=@,;:]+(?:\.[A-Za-z0-9_\-=@,;:]+)*\.\*\*?$/;

/** True when `name` is a wildcard pattern rather than a channel name. */
export function isPattern(name: string): boolean {
  return name.includes('*');
}

/** True when the (lowercased) `pattern` matches the (lowercased) channel name. */
export function patternMatches(pattern: string, channel: string): boolean {
  const many = pattern.endsWith('.**');
  const prefix = pattern.slice(0, pattern.length - (many ? 2 : 1));
  if (!channel.startsWith(prefix) || channel.length === prefix.length) return false;
  const rest = channel.slice(prefix.length).split('.');
  if (rest.some((segment) => segment === '')) return false;
  return many || rest.length === 1;
}
