import { createRequire } from 'node:module';
import { expect } from 'chai';
import { closeFrame, messageFrame, parseIncoming, quote } from '../../../lib/native/transports/sockjs-framing.js';

// The sockjs package's own quoting, to prove the framing is byte for byte the same.
const sockjsUtils = createRequire(import.meta.url)('sockjs/lib/utils.js') as { quote(text: string): string };

describe('sockjs framing', () => {
  it('quotes every UTF-16 code unit exactly as the sockjs package does', () => {
    const all: string[] = [];
    for (let code = 0; code < 65536; code++) all.push(String.fromCharCode(code));
    for (let start = 0; start < all.length; start += 4096) {
      const chunk = all.slice(start, start + 4096).join('');
      expect(quote(chunk)).to.equal(sockjsUtils.quote(chunk));
    }
    for (const text of ['', 'plain', '{"event":"x","data":"\u2028\u2029"}', 'emoji \ud83d\ude00 and "quotes" \\ and \n']) {
      expect(quote(text)).to.equal(sockjsUtils.quote(text));
    }
  });

  it('builds a[...] and c[code,"reason"] frames like sockjs', () => {
    expect(messageFrame([quote('{"a":1}'), quote('x')])).to.equal('a["{\\"a\\":1}","x"]');
    expect(closeFrame(1001, 'Server shutting down')).to.equal('c[1001,"Server shutting down"]');
  });


  it('reads a JSON array of messages, a single JSON value, and refuses what is not JSON', () => {
    expect(parseIncoming('["a","b"]')).to.deep.equal(['a', 'b']);
    expect(parseIncoming('"one"')).to.deep.equal(['one']);
    expect(parseIncoming('[broken')).to.equal(undefined);
  });
});
