import { expect } from 'chai';
import { NetworkList, parseAddress, parseNetwork } from '../../../lib/network/ip-networks.js';

describe('IP networks', () => {
  it('matches addresses against IPv4 and IPv6 ranges and lone addresses', () => {
    const list = NetworkList.parse(['10.0.0.0/8', '192.168.1.7', '::1/128', '2001:db8::/32']);
    for (const inside of ['10.0.0.1', '10.255.255.255', '192.168.1.7', '::1', '2001:db8::42', '2001:DB8:0:0:0:0:0:1']) expect(list.contains(inside), inside).to.equal(true);
    for (const outside of ['11.0.0.1', '192.168.1.8', '::2', '2001:db9::1', '127.0.0.1']) expect(list.contains(outside), outside).to.equal(false);
  });

  it('takes an IPv4-mapped IPv6 address (what a dual-stack socket reports) as the IPv4 address', () => {
    const list = NetworkList.parse(['10.0.0.0/8']);
    expect(list.contains('::ffff:10.1.2.3')).to.equal(true);
    expect(list.contains('::FFFF:0a01:0203')).to.equal(true);
    expect(list.contains('::ffff:11.1.2.3')).to.equal(false);
    expect(parseAddress('::ffff:10.1.2.3')?.toString()).to.equal('10.1.2.3');
    // And an IPv6 range of mapped addresses, or of everything, takes IPv4 addresses too.
    expect(NetworkList.parse(['::ffff:10.0.0.0/104']).contains('10.9.9.9')).to.equal(true);
    expect(NetworkList.parse(['::/0']).contains('10.9.9.9')).to.equal(true);
    expect(NetworkList.parse(['0.0.0.0/0']).contains('2001:db8::1')).to.equal(false);
  });

  it('parses strictly: no octal, hex or short IPv4 forms, no bad prefixes', () => {
    for (const bad of ['010.0.0.1', '0xa.0.0.1', '10', '10.0.0', '10.0.0.0/33', '::1/129', '10.0.0.0/', '10.0.0.0/8/8', '10.0.0.0/-1', '10.0.0.0/08', 'example.com', '', ' ', '1.2.3.4:80', '[::1]', 'a'.repeat(10_000)]) {
      expect(parseNetwork(bad), bad).to.equal(undefined);
    }
    expect(parseNetwork('10.1.2.3/8')?.prefix, 'host bits may be set, as proxy-addr allows').to.equal(8);
    expect(parseAddress('010.0.0.1')).to.equal(undefined);
    expect(parseAddress('fe80::1%eth0')?.kind()).to.equal('ipv6');
  });

  it('refuses a bad entry, naming it and its position, and never trusts what it cannot parse', () => {
    expect(() => NetworkList.parse(['10.0.0.0/8', '10.0.0.0/33'])).to.throw(/entry 1 \("10\.0\.0\.0\/33"\) is not an IP address or CIDR range/);
    expect(() => NetworkList.parse(['x'.repeat(500)])).to.throw(/entry 0 \("x{60}\.\.\."\)/);
    expect(() => NetworkList.parse([42 as unknown as string])).to.throw(/entry 0 \(number\)/);
    const list = NetworkList.parse(['0.0.0.0/0']);
    expect(list.contains('not an address')).to.equal(false);
    expect(list.contains(undefined)).to.equal(false);
    expect(NetworkList.parse([]).isEmpty).to.equal(true);
  });
});
