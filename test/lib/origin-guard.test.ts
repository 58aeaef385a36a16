import { expect } from 'chai';
import { originChecker } from '../../lib/http/origin-guard.js';

describe('lib/http/origin-guard originChecker', () => {
  const allowed = originChecker(['https://app.example.com', 'https://*.example.org', 'http://localhost:3000/']);

  it('lets in listed origins, case-insensitively, and subdomains of a wildcard entry', () => {
    expect(allowed('https://app.example.com', 'push.example.com')).to.equal(true);
    expect(allowed('HTTPS://APP.EXAMPLE.COM', 'push.example.com')).to.equal(true);
    expect(allowed('http://localhost:3000', 'push.example.com')).to.equal(true);
    expect(allowed('https://a.example.org', 'push')).to.equal(true);
    expect(allowed('https://a.b.example.org', 'push')).to.equal(true);
  });

  it('refuses everything else: other hosts, schemes, ports, look-alikes, null', () => {
    for (const origin of [
      'https://evil.com',
      'http://app.example.com',
      'https://app.example.com:8443',
      'https://example.org',
      'https://example.org.evil.com',
      'https://evilexample.org',
      'https://a.example.org.evil.com',
      'null',
      '',
    ]) {
      expect(allowed(origin, 'push.example.com'), origin).to.equal(false);
    }
  });

  it('lets in requests without Origin (not a browser) and same-origin ones', () => {
    expect(allowed(undefined, 'push.example.com')).to.equal(true);
    expect(allowed('https://push.example.com:8443', 'push.example.com:8443')).to.equal(true);
    expect(allowed('https://push.example.com', 'push.example.com:8443')).to.equal(false);
  });
});
