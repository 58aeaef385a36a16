import { expect } from 'chai';
import { ConfigAppStore } from '../../../lib/apps/config-app-store.js';
import { PushyError } from '../../../lib/errors.js';
import { app, describeAppStoreContract } from './app-store-contract.js';

describeAppStoreContract('config', {
  writable: false,
  open: async (seed) => {
    const store = new ConfigAppStore(seed);
    await store.start();
    return store;
  },
});

describe('ConfigAppStore', () => {
  it('refuses a repeated id or a key two apps share (the config loader refuses them first, with the file name)', () => {
    const one = app({ id: 'a', key: 'k1', secret: 's' });
    expect(() => new ConfigAppStore([one, app({ id: 'a', key: 'k2', secret: 's' })])).to.throw(PushyError, /"a" appears twice/);
    expect(() => new ConfigAppStore([one, app({ id: 'b', key: 'k1', secret: 's' })])).to.throw(PushyError, /"k1" of app "b" is also a key of app "a"/);
  });
});
