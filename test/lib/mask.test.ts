import { expect } from 'chai';
import { MASK, maskSecrets } from '../../lib/cli/mask.js';

describe('maskSecrets (check-config)', () => {
  it('masks options by a rule on their names, so that options added later are covered too', () => {
    const masked = maskSecrets({
      secretKey: 'k1',
      admin: { username: 'ops', password: 'k2' },
      apps: [{ id: 'a', key: 'public-app-key', secret: 'k3' }],
      webhooks: { token: 'k4', signingSecret: 'k5', url: 'https://hooks.example.com/x' },
      auth: { privateKey: 'k6', apiKey: 'k7', credentials: { user: 'k8', pass: 'k9' } },
      adminPasswd: 'k10',
    });
    expect(masked).to.deep.equal({
      secretKey: MASK,
      admin: { username: 'ops', password: MASK },
      apps: [{ id: 'a', key: 'public-app-key', secret: MASK }],
      webhooks: { token: MASK, signingSecret: MASK, url: 'https://hooks.example.com/x' },
      auth: { privateKey: MASK, apiKey: MASK, credentials: { user: MASK, pass: MASK } },
      adminPasswd: MASK,
    });
  });

  it('masks credentials and secret parameters inside URLs, keeping where they point', () => {
    expect(maskSecrets({ url: 'redis://:hunter2@redis.internal:6379/0' })).to.deep.equal({ url: `redis://:${MASK}@redis.internal:6379/0` });
    expect(maskSecrets({ url: 'rediss://default:hunter2@redis.internal:6380' })).to.deep.equal({ url: `rediss://default:${MASK}@redis.internal:6380` });
    expect(maskSecrets({ url: 'https://tok3n@api.example.com/x' })).to.deep.equal({ url: `https://${MASK}@api.example.com/x` });
    expect(maskSecrets({ url: 'postgres://app:pw@db/pushy?sslmode=require&password=pw2' })).to.deep.equal({ url: `postgres://app:${MASK}@db/pushy?sslmode=require&password=${MASK}` });
    expect(maskSecrets({ sentinels: ['redis://:a@s1:26379', 'redis://s2:26379'] })).to.deep.equal({ sentinels: [`redis://:${MASK}@s1:26379`, 'redis://s2:26379'] });
    // Shown exactly as written when there is nothing to mask.
    expect(maskSecrets({ url: 'redis://127.0.0.1:6379' })).to.deep.equal({ url: 'redis://127.0.0.1:6379' });
  });

  it('masks key material whatever the option is called; a path to a key is not a secret', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIB...\n-----END RSA PRIVATE KEY-----';
    expect(maskSecrets({ ssl: { key: pem, cert: '/etc/pushy/cert.pem' } })).to.deep.equal({ ssl: { key: MASK, cert: '/etc/pushy/cert.pem' } });
    expect(maskSecrets({ ssl: { key: '/etc/pushy/key.pem' } })).to.deep.equal({ ssl: { key: '/etc/pushy/key.pem' } });
  });

  it('leaves empty secrets empty (so "not set" shows) and other values alone', () => {
    expect(maskSecrets({ secretKey: '', port: 8123, websocket: true, origins: [], none: null })).to.deep.equal({ secretKey: '', port: 8123, websocket: true, origins: [], none: null });
  });
});
