import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../lib/config.js';

describe('config: health, metrics and admin options', () => {
  it('defaults to metrics on at /metrics, no drain delay and the admin side off; the example file agrees', () => {
    for (const config of [loadConfig({ env: {} }), loadConfig({ env: {}, file: 'config.example.json' })]) {
      expect(config.health).to.deep.equal({ drainDelay: 0 });
      expect(config.metrics).to.deep.equal({ enabled: true, path: '/metrics', token: '' });
      expect(config.admin).to.deep.equal({ username: '', password: '', maxLoginFailures: 5, lockoutSeconds: 60 });
    }
  });

  it('reads every option from its PUSHY_ environment variable', () => {
    const config = loadConfig({
      env: {
        PUSHY_HEALTH_DRAIN_DELAY: '5000',
        PUSHY_METRICS_ENABLED: 'false',
        PUSHY_METRICS_PATH: '/internal/metrics',
        PUSHY_METRICS_TOKEN: 'scrape-token',
        PUSHY_ADMIN_USERNAME: 'ops',
        PUSHY_ADMIN_PASSWORD: 'secret',
        PUSHY_ADMIN_MAX_LOGIN_FAILURES: '10',
        PUSHY_ADMIN_LOCKOUT_SECONDS: '300',
      },
    });
    expect(config.health.drainDelay).to.equal(5000);
    expect(config.metrics).to.deep.equal({ enabled: false, path: '/internal/metrics', token: 'scrape-token' });
    expect(config.admin).to.deep.equal({ username: 'ops', password: 'secret', maxLoginFailures: 10, lockoutSeconds: 300 });
  });

  it('refuses a metrics path that is not an absolute URL path, naming the key', () => {
    for (const path of ['metrics', '', '/with space', '/a?b']) {
      expect(() => loadConfig({ env: {}, overrides: { metrics: { path } } }))
        .to.throw(ConfigError)
        .with.property('message')
        .that.includes('metrics.path');
    }
  });
});
