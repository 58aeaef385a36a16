import { expect } from 'chai';
import { resolveClientAddress } from '../../../lib/network/client-address.js';
import { NetworkList } from '../../../lib/network/ip-networks.js';

const none = NetworkList.parse([]);
const proxies = NetworkList.parse(['127.0.0.1', '10.0.0.0/8']);

describe('client address', () => {
  it('is the TCP peer, canonical, when no proxy is trusted: X-Forwarded-For is never read', () => {
    expect(resolveClientAddress({ remoteAddress: '203.0.113.9', forwardedFor: '10.0.0.1', trustProxy: none })).to.equal('203.0.113.9');
    expect(resolveClientAddress({ remoteAddress: '::ffff:127.0.0.1', forwardedFor: '10.0.0.1', trustProxy: none })).to.equal('127.0.0.1');
    expect(resolveClientAddress({ remoteAddress: '2001:DB8:0::1', forwardedFor: undefined, trustProxy: none })).to.equal('2001:db8::1');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy (a client cannot claim a trusted address)', () => {
    expect(resolveClientAddress({ remoteAddress: '203.0.113.9', forwardedFor: '10.0.0.1', trustProxy: proxies })).to.equal('203.0.113.9');
  });

  it('walks the list from the right past trusted proxies; the first untrusted hop is the client', () => {
    // The client forged "10.9.9.9"; the edge proxy appended the real address; an inner proxy the edge's.
    const forwardedFor = '10.9.9.9, 198.51.100.4, 10.0.0.2';
    expect(resolveClientAddress({ remoteAddress: '::ffff:127.0.0.1', forwardedFor, trustProxy: proxies })).to.equal('198.51.100.4');
    expect(resolveClientAddress({ remoteAddress: '127.0.0.1', forwardedFor: ['10.9.9.9, 198.51.100.4', '10.0.0.2'], trustProxy: proxies })).to.equal('198.51.100.4');
    expect(resolveClientAddress({ remoteAddress: '127.0.0.1', forwardedFor: '198.51.100.4', trustProxy: proxies })).to.equal('198.51.100.4');
  });

  it('is the leftmost entry when every hop is a trusted proxy, and the peer when there is no header', () => {
    expect(resolveClientAddress({ remoteAddress: '127.0.0.1', forwardedFor: '10.0.0.7, 10.0.0.2', trustProxy: proxies })).to.equal('10.0.0.7');
    expect(resolveClientAddress({ remoteAddress: '127.0.0.1', forwardedFor: undefined, trustProxy: proxies })).to.equal('127.0.0.1');
  });

  it('is unknown (undefined: never trusted) when a trusted proxy forwards something that is not an address, or there is no peer', () => {
    for (const forwardedFor of ['198.51.100.4, garbage', '198.51.100.4:5000', ' ', '198.51.100.4,', 'unknown']) {
      expect(resolveClientAddress({ remoteAddress: '127.0.0.1', forwardedFor, trustProxy: proxies }), forwardedFor).to.equal(undefined);
    }
    expect(resolveClientAddress({ remoteAddress: undefined, forwardedFor: '1.2.3.4', trustProxy: proxies })).to.equal(undefined);
    expect(resolveClientAddress({ remoteAddress: 'garbage', forwardedFor: undefined, trustProxy: none })).to.equal(undefined);
    // Garbage left of an untrusted hop is never read.
    expect(resolveClientAddress({ remoteAddress: '127.0.0.1', forwardedFor: 'garbage, 198.51.100.4', trustProxy: proxies })).to.equal('198.51.100.4');
  });

  it('walks a long header of trusted hops to its leftmost entry', () => {
    const forwardedFor = Array.from({ length: 2000 }, () => '10.0.0.1').join(',');
    expect(resolveClientAddress({ remoteAddress: '127.0.0.1', forwardedFor, trustProxy: proxies })).to.equal('10.0.0.1');
  });
});
