import type { RetentionRule } from '../config.js';
import { escapeRegExp } from '../util/regexp.js';

/** How long and how much of a channel's history is kept. */
export interface Retention {
  /** Most events kept (0: none; offsets still count). */
  size: number;
  /** Seconds an event is kept. */
  ttl: number;
}

/**
 * Picks a channel's retention: the first rule whose pattern matches the (lowercased) name,
 * else the default. Compiled once; a lookup is a few regex tests.
 */
export class RetentionPolicy {
  private readonly rules: Array<{ pattern: RegExp; retention: Retention }>;

  constructor(rules: readonly RetentionRule[], private readonly fallback: Retention) {
    this.rules = rules.map((rule) => ({ pattern: globToRegExp(rule.match), retention: { size: rule.size, ttl: rule.ttl } }));
  }

  /** The retention of a channel. */
  resolve(channel: string): Retention {
    for (const rule of this.rules) if (rule.pattern.test(channel)) return rule.retention;
    return this.fallback;
  }
}

/** `chat-*` -> /^chat-.*$/; every other character is literal; names are case-insensitive. */
export function globToRegExp(glob: string): RegExp {
  const source = glob
    .toLowerCase()
    .split('*')
    .map(escapeRegExp)
    .join('.*');
  return new RegExp(`^${source}$`);
}
