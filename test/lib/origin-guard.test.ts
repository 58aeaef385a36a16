import { expect } from 'chai';
import { listeningOrigins, originChecker } from '../../lib/http/origin-guard.js';

describe('lib/http/origin-guard originChecker', () => {
  const allowed = originChecker(['https://app.example.com', 'https://*.example.org', 'http://localhost:3000/']);
  const OWN = ['https://push.example.com:8443'];

  it('lets in listed origins, case-insensitively, and subdomains of a wildcard entry', () => {
    expect(allowed('https://app.example.com', OWN)).to.equal(true);
    expect(allowed('HTTPS://APP.EXAMPLE.COM', OWN)).to.equal(true);
    expect(allowed('http://localhost:3000', OWN)).to.equal(true);
    expect(allowed('https://a.example.org', OWN)).to.equal(true);
    expect(allowed('https://a.b.example.org', OWN)).to.equal(true);
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
      expect(allowed(origin, OWN), origin).to.equal(false);
    }
  });

  it('lets in requests without Origin (not a browser) and ones from the server\'s own origins', () => {
    expect(allowed(undefined, OWN)).to.equal(true);
    expect(allowed('https://push.example.com:8443', OWN)).to.equal(true);
    expect(allowed('HTTPS://PUSH.EXAMPLE.COM:8443', OWN)).to.equal(true);
    expect(allowed('https://push.example.com', OWN)).to.equal(false);
  });

  it('never takes the Host header for the server\'s own origin', () => {
    // A page on a rebinding domain sends its own name as Host and as Origin.
    expect(allowed('http://rebound.evil.com:8123', [])).to.equal(false);
    expect(allowed('http://rebound.evil.com:8123', ['http://127.0.0.1:8123'])).to.equal(false);
  });

  it('knows the listening origins, with the loopback names when bound to every interface or loopback', () => {
    expect(listeningOrigins('http://127.0.0.1:8123', '0.0.0.0')).to.have.members(['http://127.0.0.1:8123', 'http://localhost:8123', 'http://[::1]:8123']);
    expect(listeningOrigins('https://10.1.2.3:443', '10.1.2.3')).to.deep.equal(['https://10.1.2.3']);
  });
});
