import { globToRegExp } from '../history/retention.js';
import type { ChannelRule } from './channel-rule.js';

/**
 * The channel rules of a server, compiled once from config (`channels`) and injected where
 * subscribes are admitted. `*` in `match` stands for any run of characters; names are
 * case-insensitive; the first rule that matches wins.
 */
export class ChannelRules {
  private readonly compiled: Array<{ pattern: RegExp; rule: ChannelRule }>;

  constructor(rules: readonly ChannelRule[]) {
    this.compiled = rules.map((rule) => ({ pattern: globToRegExp(rule.match), rule }));
  }

  /** The rule for a (normalised) channel name, or `undefined` when none applies (no limit). */
  ruleFor(channel: string): ChannelRule | undefined {
    for (const { pattern, rule } of this.compiled) if (pattern.test(channel)) return rule;
    return undefined;
  }

  /** True when there are no rules (the subscribe path can skip the store altogether). */
  get isEmpty(): boolean {
    return this.compiled.length === 0;
  }
}
