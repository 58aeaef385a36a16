import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../lib/config.js';

describe('config: webhooks.*', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({ env: {} }).webhooks).to.deep.equal({
      batchSize: 50,
      batchDelay: 250,
      timeout: 5000,
      retryWindow: 300_000,
      maxQueued: 10_000,
      concurrency: 20,
      removalDelay: 3000,
      defaultApp: [],
    });
  });

  it('reads every option from its environment variable', () => {
    const env = {
      PUSHY_WEBHOOKS_BATCH_SIZE: '1',
      PUSHY_WEBHOOKS_BATCH_DELAY: '0',
      PUSHY_WEBHOOKS_TIMEOUT: '2000',
      PUSHY_WEBHOOKS_RETRY_WINDOW: '60000',
      PUSHY_WEBHOOKS_MAX_QUEUED: '500',
      PUSHY_WEBHOOKS_CONCURRENCY: '4',
      PUSHY_WEBHOOKS_REMOVAL_DELAY: '0',
      PUSHY_WEBHOOKS_DEFAULT_APP: '[{"url":"https://example.com/hooks","events":["channel_vacated"]}]',
    };
    expect(loadConfig({ env }).webhooks).to.deep.equal({
      batchSize: 1,
      batchDelay: 0,
      timeout: 2000,
      retryWindow: 60_000,
      maxQueued: 500,
      concurrency: 4,
      removalDelay: 0,
      defaultApp: [{ url: 'https://example.com/hooks', events: ['channel_vacated'] }],
    });
  });

  it('refuses values that cannot work, naming the option', () => {
    for (const key of ['batchSize', 'timeout', 'maxQueued', 'concurrency']) {
      expect(() => loadConfig({ env: {}, overrides: { webhooks: { [key]: 0 } } }), key).to.throw(ConfigError, new RegExp(`webhooks\\.${key}: must be at least 1`));
    }
    expect(() => loadConfig({ env: { PUSHY_WEBHOOKS_BATCH_DELAY: '-5' } })).to.throw(ConfigError, /webhooks\.batchDelay/);
    expect(() => loadConfig({ env: { PUSHY_WEBHOOKS_RETRY_WINDOW: 'soon' } })).to.throw(ConfigError, /webhooks\.retryWindow/);
  });

  it('refuses default app webhooks the app schema refuses, naming the field', () => {
    expect(() => loadConfig({ env: {}, overrides: { webhooks: { defaultApp: [{ url: 'ftp://example.com' }] } } })).to.throw(ConfigError, /webhooks\.defaultApp\[0\]\.url: must be an http/);
    expect(() => loadConfig({ env: {}, overrides: { webhooks: { defaultApp: [{ url: 'https://example.com', events: ['nope' as never] }] } } })).to.throw(ConfigError, /webhooks\.defaultApp\[0\]\.events/);
    expect(() => loadConfig({ env: { PUSHY_WEBHOOKS_DEFAULT_APP: '{"url":"https://example.com"}' } })).to.throw(ConfigError, /webhooks\.defaultApp/);
    const eleven = Array.from({ length: 11 }, () => ({ url: 'https://example.com' }));
    expect(() => loadConfig({ env: {}, overrides: { webhooks: { defaultApp: eleven } } })).to.throw(ConfigError, /webhooks\.defaultApp: must have at most 10 webhooks/);
  });
});
