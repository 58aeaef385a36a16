import { expect } from 'chai';
import { LoginThrottle, MAX_LOCKOUT_MS, addressKey } from '../../lib/admin/login-throttle.js';

describe('LoginThrottle', () => {
  let now = 1_000_000;
  const throttle = (): LoginThrottle => new LoginThrottle({ maxFailures: 3, lockoutMs: 10_000, now: () => now });

  it('counts an IPv6 address by its /64 and an IPv4-mapped one as IPv4', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).to.equal(addressKey('2001:db8:1:2:bbbb::7')).and.equal('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:3::1')).to.not.equal(addressKey('2001:db8:1:2::1'));
    expect(addressKey('::ffff:10.0.0.1')).to.equal('10.0.0.1');
    expect(addressKey('')).to.equal('');
  });

  it('doubles the lockout up to an hour, and forgets an address an hour after its last lockout', () => {
    const t = throttle();
    const lockouts: number[] = [];
    for (let round = 0; round < 12; round += 1) {
      t.failed('10.0.0.1');
      t.failed('10.0.0.1');
      lockouts.push(t.failed('10.0.0.1'));
      now += t.lockedFor('10.0.0.1');
    }
    expect(lockouts.slice(0, 4)).to.deep.equal([10_000, 20_000, 40_000, 80_000]);
    expect(Math.max(...lockouts)).to.equal(MAX_LOCKOUT_MS);
    now += MAX_LOCKOUT_MS + 60_000;
    t.failed('10.0.0.2');
    expect(t.size(), 'the quiet address was forgotten').to.equal(1);
  });

  it('remembers at most 10,000 addresses', () => {
    const t = throttle();
    for (let i = 0; i < 12_000; i += 1) t.failed(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    expect(t.size()).to.equal(10_000);
  });

  it('with maxFailures 0 never locks out', () => {
    const t = new LoginThrottle({ maxFailures: 0, lockoutMs: 10_000, now: () => now });
    for (let i = 0; i < 100; i += 1) expect(t.failed('10.0.0.1')).to.equal(0);
    expect(t.lockedFor('10.0.0.1')).to.equal(0);
  });
});
