import { expect } from 'chai';
import { AddressCap, addressKey } from '../../lib/native/transports/address-cap.js';

describe('lib/transports/address-cap', () => {
  it('counts IPv4 as it is (also IPv4-mapped IPv6) and IPv6 by its /64', () => {
    expect(addressKey('192.0.2.7')).to.equal('192.0.2.7');
    expect(addressKey('::ffff:192.0.2.7')).to.equal('192.0.2.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).to.equal('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb::9')).to.equal(addressKey('2001:0db8:0001:0002::1'));
    expect(addressKey('2001:db8:1:3::1')).to.not.equal(addressKey('2001:db8:1:2::1'));
    expect(addressKey('')).to.equal('');
  });

  it('lets `max` connections in per address, gives a place back once, and forgets idle addresses', () => {
    const cap = new AddressCap(2);
    const first = cap.take('192.0.2.1')!;
    const second = cap.take('::ffff:192.0.2.1')!;
    expect(cap.take('192.0.2.1')).to.equal(undefined);
    expect(cap.take('192.0.2.2')).to.be.a('function');
    first();
    first();
    const third = cap.take('192.0.2.1');
    expect(third).to.be.a('function');
    expect(cap.take('192.0.2.1')).to.equal(undefined);
    second();
    third!();
    expect(cap.size).to.equal(1);
  });

  it('counts nothing with 0 (no limit)', () => {
    const cap = new AddressCap(0);
    for (let n = 0; n < 1000; n += 1) expect(cap.take('192.0.2.1')).to.be.a('function');
    expect(cap.size).to.equal(0);
  });
});
