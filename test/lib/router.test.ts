import { expect } from 'chai';
import fc from 'fast-check';
import { z } from 'zod';
import { splitPlainTarget } from '../../lib/http/router.js';
import { parseQuery } from '../../lib/http/params.js';

/** The parameters a search string gives, as URLSearchParams reads them. */
const params = (search: string): Array<[string, string]> => [...new URLSearchParams(search)];

describe('router: request targets split by hand', () => {
  it('splits like new URL on the targets it takes, including odd queries', () => {
    for (const target of ['/a', '/a?', '/a??b=1', '/pushy/channel/x/trigger?event=e&timestamp=1&auth_key=k', '/a?b=%zz&c', '/a?x=1?y=2']) {
      const parts = splitPlainTarget(target);
      const url = new URL(target, 'http://h');
      expect(parts, target).not.to.equal(undefined);
      expect(parts!.pathname, target).to.equal(url.pathname);
      expect(params(parts!.search), target).to.deep.equal([...url.searchParams]);
    }
  });

  it('leaves every other target to new URL', () => {
    for (const target of ['//evil/a', '/a/../b', '/a/%2e%2e/b', '/a#frag', '/a b', '/é', 'a', '/a\\b']) {
      expect(splitPlainTarget(target), target).to.equal(undefined);
    }
  });

  it('agrees with new URL on random targets', () => {
    const chars = fc.constantFrom(...'/?&=%.:;@!$()*+,~_-aZ09#\\ é'.split(''));
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 40 }), (list) => {
        const target = '/' + list.join('');
        const parts = splitPlainTarget(target);
        if (!parts) return;
        const url = new URL(target, 'http://h');
        expect(parts.pathname).to.equal(url.pathname);
        expect(params(parts.search)).to.deep.equal([...url.searchParams]);
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('trigger query parsing', () => {
  it('takes the first value of each parameter, also for names like Object.prototype members', () => {
    const schema = z.object({ constructor: z.string(), toString: z.string(), event: z.string() });
    const parsed = parseQuery(schema, new URLSearchParams('event=a&event=b&constructor=c&toString=t&__proto__=p'));
    expect(parsed.event).to.equal('a');
    expect(parsed.constructor).to.equal('c');
    expect(parsed.toString).to.equal('t');
  });
});
