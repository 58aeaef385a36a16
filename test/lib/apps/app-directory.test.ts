import { expect } from 'chai';
import { AppDirectory } from '../../../lib/apps/app-directory.js';
import { ConfigAppStore } from '../../../lib/apps/config-app-store.js';
import { signTrigger } from '../../../lib/signing.js';
import { verifyTrigger } from '../../../lib/signing/legacy-auth.js';
import { PushyError } from '../../../lib/errors.js';
import { app } from './app-store-contract.js';

describe('AppDirectory: the lookup API', () => {
  const T0 = Date.parse('2030-01-01T00:00:00Z');
  const store = new ConfigAppStore([
    app({ id: '1001', keys: [{ key: 'old', secret: 'old-secret', expiresAt: new Date(T0 + 1000).toISOString() }, { key: 'new', secret: 'new-secret' }] }),
    app({ id: 'off', key: 'off-key', secret: 'off-secret', enabled: false }),
  ]);
  const directory = new AppDirectory({ store, secretKey: 'the top-level secretKey, as configured' });

  it('has the default app of the native protocol: id and key "default", signed with secretKey as it is', () => {
    expect(directory.defaultApp).to.deep.include({ id: 'default', enabled: true });
    expect(directory.defaultApp.keys).to.deep.equal([{ key: 'default', secret: 'the top-level secretKey, as configured' }]);
    expect(directory.get('default')).to.equal(directory.defaultApp);
    expect(directory.getByKey('default')).to.equal(directory.defaultApp);
    expect(directory.requireKey('default', T0).secret).to.equal('the top-level secretKey, as configured');
    expect(directory.list().map((a) => a.id)).to.deep.equal(['default', '1001', 'off']);
    expect(Object.isFrozen(directory.defaultApp.keys[0])).to.equal(true);
  });

  it('a trigger signed with secretKey verifies against the default app’s secrets, as it does today', () => {
    const secretKey = 'the top-level secretKey, as configured';
    const input = { channel: 'news', event: 'update', timestamp: '1700000000', body: '{"a":1}' };
    const authKey = signTrigger({ ...input, secretKey });
    const [secret] = directory.secretsFor(directory.defaultApp);
    expect(() => verifyTrigger(secret!, 600, { ...input, authKey, rawBody: input.body, parsedBody: { a: 1 } }, 1700000000 * 1000)).not.to.throw();
  });

  it('finds the store’s apps by id and key, with rotation semantics', () => {
    expect(directory.get('1001')?.id).to.equal('1001');
    expect(directory.findSecret('old', T0)?.secret).to.equal('old-secret');
    expect(directory.findSecret('old', T0 + 1000)).to.equal(undefined);
    expect(directory.secretsFor(directory.get('1001')!, T0)).to.deep.equal(['new-secret', 'old-secret']);
    expect(directory.secretsFor(directory.get('1001')!, T0 + 1000)).to.deep.equal(['new-secret']);
  });

  it('requireKey and requireApp refuse an unknown key, an expired pair and a disabled app, each with its own error', () => {
    const refused = (run: () => unknown): PushyError => {
      try {
        run();
      } catch (error) {
        expect(error).to.be.instanceOf(PushyError);
        return error as PushyError;
      }
      throw new Error('expected a refusal');
    };
    expect(refused(() => directory.requireKey('nope', T0))).to.include({ errorName: 'APP_NOT_FOUND', message: 'No app has the key "nope"' });
    expect(refused(() => directory.requireKey('old', T0 + 1000))).to.include({ errorName: 'APP_KEY_EXPIRED', message: 'App key "old" has expired' });
    expect(refused(() => directory.requireKey('off-key', T0))).to.include({ errorName: 'APP_DISABLED', message: 'App "off" is disabled' });
    expect(directory.requireKey('new', T0).app.id).to.equal('1001');
    expect(refused(() => directory.requireApp('nope'))).to.include({ errorName: 'APP_NOT_FOUND' });
    expect(refused(() => directory.requireApp('off'))).to.include({ errorName: 'APP_DISABLED' });
    expect(directory.requireApp('default')).to.equal(directory.defaultApp);
  });
});
