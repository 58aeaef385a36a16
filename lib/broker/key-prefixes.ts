/**
 * The channel-key prefixes a node listens to for wildcard subscriptions (`orders.` for
 * `orders.*` and `orders.**`; `shop/orders.` in app `shop`), counted so that a prefix is
 * dropped with its last pattern. Finding the longest prefix of a key costs one set lookup per
 * `.` in the key, however many prefixes there are.
 */
export class KeyPrefixes {
  private readonly counts = new Map<string, number>();

  /** Adds one use of `prefix` (which ends with `.`); true when it is new. */
  add(prefix: string): boolean {
    const count = this.counts.get(prefix) ?? 0;
    this.counts.set(prefix, count + 1);
    return count === 0;
  }

  /** Drops one use of `prefix`; true when that was the last. */
  remove(prefix: string): boolean {
    const count = this.counts.get(prefix);
    if (count === undefined) return false;
    if (count > 1) {
      this.counts.set(prefix, count - 1);
      return false;
    }
    this.counts.delete(prefix);
    return true;
  }

  /** The longest prefix held that `key` starts with (up to a `.` of the key), or undefined. */
  longest(key: string): string | undefined {
    if (this.counts.size === 0) return undefined;
    for (let dot = key.lastIndexOf('.'); dot > 0; dot = key.lastIndexOf('.', dot - 1)) {
      const prefix = key.slice(0, dot + 1);
      if (this.counts.has(prefix)) return prefix;
    }
    return undefined;
  }

  /** Every prefix held. */
  all(): string[] {
    return [...this.counts.keys()];
  }

  get size(): number {
    return this.counts.size;
  }
}
