import { expect } from 'chai';
import sinon from 'sinon';
import { MemoryIdempotencyStore } from '../../lib/history/idempotency-store.js';

describe('MemoryIdempotencyStore', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_700_000_000_000 });
  });
  afterEach(() => clock.restore());

  it('lets a key be claimed once per channel for 5 minutes, remembering the first answer', async () => {
    const store = new MemoryIdempotencyStore({ maxKeys: 100 });
    expect(await store.claim('a', 'k')).to.deep.equal({ first: true });
    expect(await store.claim('a', 'k')).to.deep.equal({ first: false });
    await store.complete('a', 'k', 201);
    expect(await store.claim('a', 'k')).to.deep.equal({ first: false, status: 201 });
    expect(await store.claim('b', 'k'), 'another channel').to.deep.equal({ first: true });
    clock.tick(299_999);
    expect((await store.claim('a', 'k')).first).to.equal(false);
    clock.tick(1);
    expect(await store.claim('a', 'k'), 'after 5 minutes').to.deep.equal({ first: true });
  });

  it('gives a released key back', async () => {
    const store = new MemoryIdempotencyStore({ maxKeys: 100 });
    await store.claim('a', 'k');
    await store.release('a', 'k');
    expect(await store.claim('a', 'k')).to.deep.equal({ first: true });
  });

  it('remembers at most maxKeys keys, forgetting the oldest', async () => {
    const store = new MemoryIdempotencyStore({ maxKeys: 50 });
    for (let i = 0; i < 200; i += 1) await store.claim('a', `k${i}`);
    expect(store.size()).to.equal(50);
    expect((await store.claim('a', 'k199')).first).to.equal(false);
    expect((await store.claim('a', 'k0')).first).to.equal(true);
  });
});
