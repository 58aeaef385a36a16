import { expect } from 'chai';
import { backoffDelay, DEFAULT_BACKOFF } from 'pushy-server/client';

describe('client: backoffDelay', () => {
  const noJitter = { ...DEFAULT_BACKOFF, jitter: 0 };

  it('grows exponentially from minDelay and is capped at maxDelay', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 7, 8, 20, 1000].map((n) => backoffDelay(n, noJitter));
    expect(delays).to.deep.equal([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000]);
  });

  it('takes off at most `jitter` of the delay, never more and never adds', () => {
    const options = { minDelay: 1000, maxDelay: 8000, factor: 2, jitter: 0.5 };
    expect(backoffDelay(0, options, () => 0)).to.equal(1000);
    expect(backoffDelay(0, options, () => 0.999999)).to.equal(500);
    expect(backoffDelay(10, options, () => 0)).to.equal(8000);
    expect(backoffDelay(10, options, () => 0.999999)).to.equal(4000);
    for (let attempt = 0; attempt < 12; attempt++) {
      const base = Math.min(8000, 1000 * 2 ** attempt);
      for (const r of [0, 0.1, 0.37, 0.5, 0.9, 0.999]) {
        const delay = backoffDelay(attempt, options, () => r);
        expect(delay).to.be.within(base / 2, base);
      }
    }
  });

  it('spreads clients out: different random draws give different delays', () => {
    const seen = new Set([0, 0.25, 0.5, 0.75].map((r) => backoffDelay(3, DEFAULT_BACKOFF, () => r)));
    expect(seen.size).to.equal(4);
  });

  it('treats a negative attempt as the first and clamps jitter into 0..1', () => {
    expect(backoffDelay(-3, noJitter)).to.equal(500);
    expect(backoffDelay(0, { ...noJitter, jitter: 5 }, () => 1)).to.equal(0);
    expect(backoffDelay(0, { ...noJitter, jitter: -1 }, () => 1)).to.equal(500);
  });
});
