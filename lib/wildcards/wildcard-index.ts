import type { WildcardPattern } from './pattern.js';

/** A pattern with the subscribers it has (read-only to callers: the index owns the set). */
export interface PatternSubscribers<K> {
  /** The pattern's normalised text, e.g. `orders.*`. */
  readonly pattern: string;
  readonly subscribers: ReadonlySet<K>;
}

/** Counts what one {@link WildcardIndex.match} call looked at (tests and benchmarks). */
export interface MatchProbe {
  /** Trie nodes visited; at most the channel's segment count plus one. */
  visited: number;
}

interface Entry<K> extends PatternSubscribers<K> {
  readonly subscribers: Set<K>;
}

interface TrieNode<K> {
  readonly segment: string;
  readonly parent: TrieNode<K> | undefined;
  readonly children: Map<string, TrieNode<K>>;
  /** The `<path>.*` pattern ending here. */
  one: Entry<K> | undefined;
  /** The `<path>.**` pattern ending here. */
  many: Entry<K> | undefined;
}

/**
 * The wildcard subscriptions of a node (or of one app on it), as a trie keyed by the patterns'
 * literal segments. Finding the patterns that match a channel walks down the channel's own
 * segments, so it costs at most (segments + 1) node visits however many patterns there are.
 * Removing the last subscriber of a pattern prunes the nodes nothing else needs, so the trie's
 * size follows the live subscriptions.
 *
 * `K` identifies a subscriber (a connection id, a connection).
 */
export class WildcardIndex<K> {
  private readonly root: TrieNode<K> = newNode('', undefined);
  private nodes = 1;
  private patterns = 0;

  /** Adds a subscriber to a pattern. True when the pattern is new here (its first subscriber). */
  add(pattern: WildcardPattern, subscriber: K): boolean {
    let node = this.root;
    for (const segment of pattern.prefix) {
      let child = node.children.get(segment);
      if (child === undefined) {
        child = newNode(segment, node);
        node.children.set(segment, child);
        this.nodes += 1;
      }
      node = child;
    }
    const slot = pattern.wildcard === '*' ? 'one' : 'many';
    let entry = node[slot];
    const created = entry === undefined;
    if (entry === undefined) {
      entry = { pattern: pattern.source, subscribers: new Set() };
      node[slot] = entry;
      this.patterns += 1;
    }
    entry.subscribers.add(subscriber);
    return created;
  }

  /**
   * Removes a subscriber from a pattern. True when that was the pattern's last subscriber (the
   * pattern is gone); false also when the subscriber did not have it.
   */
  remove(pattern: WildcardPattern, subscriber: K): boolean {
    let node: TrieNode<K> | undefined = this.root;
    for (const segment of pattern.prefix) {
      node = node.children.get(segment);
      if (node === undefined) return false;
    }
    const slot = pattern.wildcard === '*' ? 'one' : 'many';
    const entry = node[slot];
    if (entry === undefined || !entry.subscribers.delete(subscriber)) return false;
    if (entry.subscribers.size > 0) return false;
    node[slot] = undefined;
    this.patterns -= 1;
    this.prune(node);
    return true;
  }

  /**
   * The patterns that match a (normalised) channel name, with their subscribers; empty when
   * none. `probe`, when given, counts the nodes visited.
   */
  match(channel: string, probe?: MatchProbe): Array<PatternSubscribers<K>> {
    const found: Array<PatternSubscribers<K>> = [];
    let node = this.root;
    let start = 0;
    // From this index on, the channel has no empty segment (computed when first needed).
    let cleanFrom = -1;
    if (probe) probe.visited += 1;
    for (;;) {
      const dot = channel.indexOf('.', start);
      const end = dot === -1 ? channel.length : dot;
      if (node.many !== undefined && start < channel.length) {
        if (cleanFrom < 0) cleanFrom = cleanSuffixStart(channel);
        if (start >= cleanFrom) found.push(node.many);
      }
      if (node.one !== undefined && dot === -1 && end > start) found.push(node.one);
      if (dot === -1) break;
      const child = node.children.get(channel.slice(start, end));
      if (child === undefined) break;
      if (probe) probe.visited += 1;
      node = child;
      start = dot + 1;
    }
    return found;
  }

  /** Patterns with at least one subscriber. */
  get size(): number {
    return this.patterns;
  }

  /** Trie nodes, the root included (1 when empty): for tests that check memory is given back. */
  nodeCount(): number {
    return this.nodes;
  }

  /** Walks up from `node`, removing every node that holds no pattern and leads to none. */
  private prune(node: TrieNode<K>): void {
    let current: TrieNode<K> = node;
    while (current.parent !== undefined && current.children.size === 0 && current.one === undefined && current.many === undefined) {
      current.parent.children.delete(current.segment);
      this.nodes -= 1;
      current = current.parent;
    }
  }
}

function newNode<K>(segment: string, parent: TrieNode<K> | undefined): TrieNode<K> {
  return { segment, parent, children: new Map(), one: undefined, many: undefined };
}

/**
 * The smallest index from which `channel` has no empty segment (`channel.length + 1` when it
 * ends with a dot, so no suffix qualifies): a wildcard stands for non-empty segments only.
 */
function cleanSuffixStart(channel: string): number {
  if (channel.endsWith('.')) return channel.length + 1;
  const doubled = channel.lastIndexOf('..');
  if (doubled >= 0) return doubled + 2;
  return channel.startsWith('.') ? 1 : 0;
}
