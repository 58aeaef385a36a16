import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../lib/config.js';
import { warnings } from '../../../lib/config-warnings.js';

describe('config: trusted networks and proxies', () => {
  it('defaults to none: every trigger signed, X-Forwarded-For never believed, no warning', () => {
    const config = loadConfig({ env: {} });
    expect(config.trigger).to.deep.equal({ trustedNetworks: [] });
    expect(config.trustProxy).to.deep.equal([]);
    expect(warnings(config)).to.deep.equal([]);
  });

  it('reads the environment as JSON or as a comma-separated list', () => {
    const json = loadConfig({ env: { PUSHY_TRIGGER_TRUSTED_NETWORKS: '["10.0.0.0/8", "::1/128"]', PUSHY_TRUST_PROXY: '["127.0.0.1"]' } });
    expect(json.trigger.trustedNetworks).to.deep.equal(['10.0.0.0/8', '::1/128']);
    expect(json.trustProxy).to.deep.equal(['127.0.0.1']);
    const comma = loadConfig({ env: { PUSHY_TRIGGER_TRUSTED_NETWORKS: '10.0.0.0/8, ::1/128', PUSHY_TRUST_PROXY: ' 127.0.0.1 ,10.0.0.0/8' } });
    expect(comma.trigger.trustedNetworks).to.deep.equal(['10.0.0.0/8', '::1/128']);
    expect(comma.trustProxy).to.deep.equal(['127.0.0.1', '10.0.0.0/8']);
    expect(loadConfig({ env: { PUSHY_TRUST_PROXY: '' } }).trustProxy).to.deep.equal([]);
  });

  it('refuses an invalid range, naming the key and the entry', () => {
    expect(() => loadConfig({ env: {}, overrides: { trigger: { trustedNetworks: ['10.0.0.0/8', '10.0.0.0/33'] } } }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.matches(/trigger\.trustedNetworks: .*entry 1 \("10\.0\.0\.0\/33"\)/);
    expect(() => loadConfig({ env: { PUSHY_TRUST_PROXY: 'localhost' } }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.matches(/trustProxy( \(environment variable PUSHY_TRUST_PROXY\))?: .*entry 0 \("localhost"\)/);
    expect(() => loadConfig({ env: { PUSHY_TRUST_PROXY: '[not json' } }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.matches(/trustProxy( \(environment variable PUSHY_TRUST_PROXY\))?: must be a list/);
  });

  it('warns at start when trusted networks are set, louder for a range of every address', () => {
    const config = loadConfig({ env: {}, overrides: { trigger: { trustedNetworks: ['10.0.0.0/8'] } } });
    const [warning, ...rest] = warnings(config);
    expect(warning).to.match(/trigger\.trustedNetworks is set: triggers from 10\.0\.0\.0\/8 are accepted without a signature/);
    expect(rest).to.deep.equal([]);
    expect(warnings({ trigger: { trustedNetworks: ['::/0'] }, trustProxy: ['0.0.0.0/0'] })).to.have.length(3);
  });
});
