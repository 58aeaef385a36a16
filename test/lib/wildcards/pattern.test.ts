import { expect } from 'chai';
import fc from 'fast-check';
import { isPushyError, PushyError } from '../../../lib/errors.js';
import { isWildcardPattern, parsePattern, patternCovers, patternMatches } from '../../../lib/wildcards/pattern.js';

/** The INVALID_PATTERN error `fn` throws (fails the test when it throws anything else). */
function refusal(fn: () => unknown): PushyError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(PushyError);
    expect((error as PushyError).errorName).to.equal('INVALID_PATTERN');
    expect((error as PushyError).code).to.equal('301');
    return error as PushyError;
  }
  throw new Error('expected INVALID_PATTERN');
}

describe('wildcard patterns', () => {
  it('parses "*" and "**" as the whole last segment, lowercased', () => {
    expect(parsePattern('Orders.*')).to.deep.equal({ source: 'orders.*', prefix: ['orders'], wildcard: '*', kind: 'public' });
    expect(parsePattern('shop.EU.orders.**')).to.deep.equal({ source: 'shop.eu.orders.**', prefix: ['shop', 'eu', 'orders'], wildcard: '**', kind: 'public' });
    expect(parsePattern('a_b-c=d@e,f;g:h.*').prefix).to.deep.equal(['a_b-c=d@e,f;g:h']);
  });

  it('tells private patterns apart (they need a signature over the pattern) and refuses presence ones', () => {
    expect(parsePattern('private-orders.**').kind).to.equal('private');
    expect(parsePattern('private.orders.*').kind, '"private" without the dash is a public name').to.equal('public');
    expect(refusal(() => parsePattern('presence-room.*')).message).to.match(/presence/);
    expect(refusal(() => parsePattern('Presence-room.**')).message).to.match(/presence/);
  });

  it('refuses a wildcard anywhere but the whole last segment, with a message saying why', () => {
    expect(refusal(() => parsePattern('orders')).message).to.match(/must end with/);
    expect(refusal(() => parsePattern('orders.x*')).message).to.match(/must end with/);
    expect(refusal(() => parsePattern('orders.***')).message).to.match(/must end with/);
    expect(refusal(() => parsePattern('orders.*.items')).message).to.match(/must end with/);
    expect(refusal(() => parsePattern('orders.*.*')).message).to.match(/whole last segment/);
    expect(refusal(() => parsePattern('ord*ers.*')).message).to.match(/whole last segment/);
    expect(refusal(() => parsePattern('*')).message).to.match(/at least one segment/);
    expect(refusal(() => parsePattern('**')).message).to.match(/at least one segment/);
    expect(refusal(() => parsePattern('orders..*')).message).to.match(/empty segment/);
    expect(refusal(() => parsePattern('.orders.*')).message).to.match(/empty segment/);
    expect(refusal(() => parsePattern('or ders.*')).message).to.match(/A-Z/);
    expect(refusal(() => parsePattern('')).message).to.match(/non-empty/);
    expect(refusal(() => parsePattern(42)).message).to.match(/non-empty/);
    expect(refusal(() => parsePattern(`${'a'.repeat(199)}.*`)).message).to.match(/longer than 200/);
    expect(refusal(() => parsePattern('abcdef.*', 5)).message).to.match(/longer than 5/);
  });

  it('matches exactly one more segment for "*", one or more for "**", never the prefix itself', () => {
    const one = parsePattern('orders.*');
    const many = parsePattern('orders.**');
    expect(patternMatches(one, 'orders.1')).to.equal(true);
    expect(patternMatches(one, 'orders.1.items')).to.equal(false);
    expect(patternMatches(one, 'orders')).to.equal(false);
    expect(patternMatches(one, 'ordersx.1')).to.equal(false);
    expect(patternMatches(many, 'orders.1')).to.equal(true);
    expect(patternMatches(many, 'orders.1.items')).to.equal(true);
    expect(patternMatches(many, 'orders')).to.equal(false);
    expect(patternMatches(many, 'other.1')).to.equal(false);
    // A wildcard stands for non-empty segments.
    expect(patternMatches(one, 'orders.')).to.equal(false);
    expect(patternMatches(many, 'orders..x')).to.equal(false);
    expect(patternMatches(many, 'orders.x.')).to.equal(false);
  });

  it('knows which pattern scopes cover which subscriptions', () => {
    const covers = (scope: string, requested: string): boolean => patternCovers(parsePattern(scope), parsePattern(requested));
    expect(covers('orders.*', 'orders.*')).to.equal(true);
    expect(covers('orders.**', 'orders.*')).to.equal(true);
    expect(covers('orders.**', 'orders.1.**')).to.equal(true);
    expect(covers('orders.**', 'orders.1.*')).to.equal(true);
    expect(covers('orders.*', 'orders.**')).to.equal(false);
    expect(covers('orders.*', 'orders.1.*')).to.equal(false);
    expect(covers('orders.1.**', 'orders.**')).to.equal(false);
    expect(covers('orders.**', 'shop.**')).to.equal(false);
  });

  it('spots patterns among subscribe targets: "*" is not in the channel-name alphabet', () => {
    expect(isWildcardPattern('orders.*')).to.equal(true);
    expect(isWildcardPattern('orders.1')).to.equal(false);
  });

  describe('hostile input (property)', () => {
    const hostile = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ unit: fc.constantFrom('a', '.', '*', '-', 'private-', 'presence-', ' ', '\u0000', 'é'), maxLength: 80 }),
      fc.constantFrom('a'.repeat(1_000_000), `${'a.'.repeat(100_000)}*`, '*'.repeat(100_000), '.'.repeat(100_000), '__proto__.*', 'constructor.**'),
      fc.anything(),
    );

    it('never throws anything but INVALID_PATTERN, and what it accepts round-trips', () => {
      fc.assert(
        fc.property(hostile, (input) => {
          let parsed;
          try {
            parsed = parsePattern(input);
          } catch (error) {
            expect(isPushyError(error) && error.errorName === 'INVALID_PATTERN', String(error)).to.equal(true);
            return;
          }
          expect(parsed.source.length).to.be.at.most(200);
          expect(parsePattern(parsed.source)).to.deep.equal(parsed);
          expect(patternMatches(parsed, `${parsed.prefix.join('.')}.x`)).to.equal(true);
        }),
        { numRuns: 2000 },
      );
    });
  });
});
