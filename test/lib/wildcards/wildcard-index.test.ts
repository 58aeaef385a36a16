import { expect } from 'chai';
import fc from 'fast-check';
import { parsePattern, patternMatches } from '../../../lib/wildcards/pattern.js';
import { WildcardIndex, type MatchProbe } from '../../../lib/wildcards/wildcard-index.js';

/** The patterns matching `channel`, as sorted `pattern=subscribers` texts. */
function matched(index: WildcardIndex<string>, channel: string): string[] {
  return index
    .match(channel)
    .map((entry) => `${entry.pattern}=${[...entry.subscribers].sort().join(',')}`)
    .sort();
}

describe('WildcardIndex', () => {
  it('finds the "*" and "**" patterns that match a channel, with their subscribers', () => {
    const index = new WildcardIndex<string>();
    index.add(parsePattern('orders.*'), 'a');
    index.add(parsePattern('orders.**'), 'b');
    index.add(parsePattern('orders.**'), 'c');
    index.add(parsePattern('orders.1.*'), 'd');
    index.add(parsePattern('shop.**'), 'e');
    expect(matched(index, 'orders.1')).to.have.members(['orders.*=a', 'orders.**=b,c']);
    expect(matched(index, 'orders.1.items')).to.have.members(['orders.**=b,c', 'orders.1.*=d']);
    expect(matched(index, 'orders.1.items.9')).to.have.members(['orders.**=b,c']);
    expect(matched(index, 'orders')).to.have.members([]);
    expect(matched(index, 'orders.')).to.have.members([]);
    expect(matched(index, 'orders..1')).to.have.members([]);
    expect(matched(index, 'shop')).to.have.members([]);
    expect(matched(index, 'elsewhere.1')).to.have.members([]);
    expect(index.size).to.equal(4);
  });

  it('tells the first subscriber of a pattern and the removal of its last one (for broker subscriptions)', () => {
    const index = new WildcardIndex<string>();
    const pattern = parsePattern('orders.*');
    expect(index.add(pattern, 'a')).to.equal(true);
    expect(index.add(pattern, 'b')).to.equal(false);
    expect(index.add(pattern, 'b'), 'twice').to.equal(false);
    expect(index.remove(pattern, 'nobody')).to.equal(false);
    expect(index.remove(parsePattern('orders.**'), 'a'), 'another pattern').to.equal(false);
    expect(index.remove(parsePattern('other.*'), 'a'), 'unknown prefix').to.equal(false);
    expect(index.remove(pattern, 'a')).to.equal(false);
    expect(index.remove(pattern, 'b')).to.equal(true);
    expect(index.remove(pattern, 'b'), 'already gone').to.equal(false);
    expect(index.match('orders.1')).to.deep.equal([]);
  });

  it('gives back every node when the last subscriber leaves: no empty nodes stay behind', () => {
    const index = new WildcardIndex<number>();
    const patterns = ['a.*', 'a.**', 'a.b.*', 'a.b.c.d.**', 'x.y.*', 'private-z.**'].map((text) => parsePattern(text));
    for (const [i, pattern] of patterns.entries()) for (let s = 0; s < 3; s += 1) index.add(pattern, i * 10 + s);
    expect(index.nodeCount()).to.equal(1 + 4 + 2 + 1); // root; a, b, c, d; x, y; private-z
    // A shared prefix stays while a longer pattern needs it.
    for (let s = 0; s < 3; s += 1) index.remove(patterns[3]!, 30 + s);
    expect(index.nodeCount()).to.equal(1 + 2 + 2 + 1);
    for (const [i, pattern] of patterns.entries()) for (let s = 0; s < 3; s += 1) index.remove(pattern, i * 10 + s);
    expect(index.size).to.equal(0);
    expect(index.nodeCount()).to.equal(1);
  });

  it('visits at most (segments + 1) nodes per match with 10,000 patterns, however they are spread', () => {
    const index = new WildcardIndex<number>();
    for (let i = 0; i < 10_000; i += 1) {
      // Wide (many children of one node), deep, and spread over many top-level prefixes.
      const text = [`orders.${i}.*`, `orders.${i}.**`, `t${i}.a.b.c.**`, `orders.1.items.${i}.*`][i % 4]!;
      index.add(parsePattern(text), i);
    }
    expect(index.size).to.equal(10_000);
    expect(index.nodeCount()).to.be.greaterThan(10_000);
    for (const channel of ['orders.4.x', 'orders.1.items.9.z', 't5.a.b.c.d.e.f', 'nothing.here', 'orders', 'a.b.c.d.e.f.g.h']) {
      const probe: MatchProbe = { visited: 0 };
      index.match(channel, probe);
      expect(probe.visited, channel).to.be.at.most(channel.split('.').length + 1);
    }
    const probe: MatchProbe = { visited: 0 };
    expect(index.match('orders.4.x', probe).map((entry) => entry.pattern)).to.deep.equal(['orders.4.*']);
    expect(probe.visited).to.equal(3);
    expect(index.match('orders.1.items.11.z').map((entry) => entry.pattern)).to.have.members(['orders.1.**', 'orders.1.items.11.*']);
    for (let i = 0; i < 10_000; i += 1) index.remove(parsePattern([`orders.${i}.*`, `orders.${i}.**`, `t${i}.a.b.c.**`, `orders.1.items.${i}.*`][i % 4]!), i);
    expect(index.nodeCount()).to.equal(1);
  });

  it('agrees with matching each pattern on its own, for any patterns, channels and removals (property)', () => {
    const segment = fc.constantFrom('a', 'b', 'c', '');
    const channel = fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('.'));
    const pattern = fc
      .tuple(fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 3 }), fc.constantFrom('*', '**'))
      .map(([prefix, wildcard]) => parsePattern(`${prefix.join('.')}.${wildcard}`));
    const op = fc.record({ add: fc.boolean(), pattern, subscriber: fc.integer({ min: 0, max: 3 }) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.array(channel, { minLength: 1, maxLength: 10 }), (ops, channels) => {
        const index = new WildcardIndex<number>();
        const model = new Map<string, Set<number>>();
        for (const step of ops) {
          const subscribers = model.get(step.pattern.source) ?? new Set<number>();
          if (step.add) {
            expect(index.add(step.pattern, step.subscriber)).to.equal(subscribers.size === 0);
            subscribers.add(step.subscriber);
            model.set(step.pattern.source, subscribers);
          } else {
            const last = subscribers.size === 1 && subscribers.has(step.subscriber);
            expect(index.remove(step.pattern, step.subscriber)).to.equal(last);
            subscribers.delete(step.subscriber);
            if (subscribers.size === 0) model.delete(step.pattern.source);
          }
        }
        for (const name of channels) {
          const expected = [...model.entries()]
            .filter(([source]) => patternMatches(parsePattern(source), name))
            .map(([source, subscribers]) => `${source}=${[...subscribers].sort().join(',')}`)
            .sort();
          expect(matched(index as unknown as WildcardIndex<string>, name), name).to.deep.equal(expected);
        }
        expect(index.size).to.equal(model.size);
        if (model.size === 0) expect(index.nodeCount()).to.equal(1);
      }),
      { numRuns: 500 },
    );
  });
});
