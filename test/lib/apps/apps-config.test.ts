import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../../lib/config.js';

function configFile(content: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pushy-apps-config-')), 'config.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

/** The ConfigError a load throws. */
function failure(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const one = { id: '1001', key: 'key-one', secret: 'secret-one' };
const two = { id: 'two', key: 'key-two', secret: 'secret-two', enableClientEvents: true };

describe('config: apps', () => {
  it('defaults to the config store with no apps besides the default one', () => {
    expect(loadConfig({ env: {} }).apps).to.deep.equal({ store: { type: 'config', url: '' }, list: [], rotationGrace: 86400 });
  });

  it('takes "apps" as a plain list (the shorthand) and normalises each app', () => {
    const config = loadConfig({ file: configFile({ apps: [one, two] }), env: {} });
    expect(config.apps.store.type).to.equal('config');
    expect(config.apps.list.map((a) => [a.id, a.name, a.enableClientEvents, a.keys])).to.deep.equal([
      ['1001', '1001', false, [{ key: 'key-one', secret: 'secret-one' }]],
      ['two', 'two', true, [{ key: 'key-two', secret: 'secret-two' }]],
    ]);
  });

  it('takes "apps" as {store, list, rotationGrace}', () => {
    const file = configFile({ apps: { store: { type: 'postgres', url: 'postgres://pushy:pw@db.internal:5432/pushy' }, list: [one], rotationGrace: 60 } });
    const { apps } = loadConfig({ file, env: {} });
    expect(apps.store).to.deep.equal({ type: 'postgres', url: 'postgres://pushy:pw@db.internal:5432/pushy' });
    expect(apps.list.map((a) => a.id)).to.deep.equal(['1001']);
    expect(apps.rotationGrace).to.equal(60);
  });

  it('reads the apps options from PUSHY_APPS_* variables, over the file', () => {
    const { apps } = loadConfig({
      file: configFile({ apps: [one] }),
      env: { PUSHY_APPS_STORE: 'postgres', PUSHY_APPS_STORE_URL: 'postgresql://127.0.0.1/pushy', PUSHY_APPS_LIST: JSON.stringify([two]), PUSHY_APPS_ROTATION_GRACE: '0' },
    });
    expect(apps).to.deep.include({ store: { type: 'postgres', url: 'postgresql://127.0.0.1/pushy' }, rotationGrace: 0 });
    expect(apps.list.map((a) => a.id)).to.deep.equal(['two']);
  });

  it('refuses a bad app naming its place in the list and the file, never its secret', () => {
    const file = configFile({ apps: [one, { id: 'bad', key: 'has space', secret: 'top-secret-value' }] });
    const error = failure(() => loadConfig({ file, env: {} }));
    expect(error.message).to.contain(file);
    expect(error.message).to.contain('apps.list[1].key: must contain only');
    expect(error.message).not.to.contain('top-secret-value');
    const nested = failure(() => loadConfig({ file: configFile({ apps: { list: [{ ...one, webhooks: [{ url: 'ftp://x' }] }] } }), env: {} }));
    expect(nested.message).to.contain('apps.list[0].webhooks[0].url: must be an http:// or https:// URL');
  });

  it('refuses a repeated id, and a key two apps share (keys are unique across apps)', () => {
    expect(failure(() => loadConfig({ file: configFile({ apps: [one, { ...two, id: '1001' }] }), env: {} })).message).to.contain(
      'apps.list[1]: app id "1001" is also the id of apps.list[0]',
    );
    expect(failure(() => loadConfig({ file: configFile({ apps: [one, { ...two, key: 'key-one' }] }), env: {} })).message).to.contain(
      'apps.list[1]: key "key-one" is also a key of apps.list[0]; keys are unique across apps',
    );
  });

  it('refuses a misshapen "apps", an unknown store, an unknown key and a postgres store without a URL', () => {
    expect(failure(() => loadConfig({ file: configFile({ apps: 'postgres' }), env: {} })).message).to.match(/apps: must be a list of apps, or \{"store"/);
    expect(failure(() => loadConfig({ file: configFile({ apps: { store: { type: 'mysql' } } }), env: {} })).message).to.match(/apps\.store\.type: must be one of/);
    expect(failure(() => loadConfig({ file: configFile({ apps: { lists: [] } }), env: {} })).message).to.match(/apps\.lists/);
    expect(failure(() => loadConfig({ file: configFile({ apps: { store: { type: 'postgres' } } }), env: {} })).message).to.contain(
      'apps.store.url: must be a postgres:// URL when apps.store.type is "postgres"',
    );
    expect(failure(() => loadConfig({ env: { PUSHY_APPS_STORE: 'postgres', PUSHY_APPS_STORE_URL: 'redis://x' } })).message).to.contain('apps.store.url');
    expect(failure(() => loadConfig({ env: { PUSHY_APPS_LIST: '{not json' } })).message).to.contain('apps.list (environment variable PUSHY_APPS_LIST): must be an array of apps');
    expect(failure(() => loadConfig({ env: { PUSHY_APPS_ROTATION_GRACE: String(11 * 365 * 24 * 3600) } })).message).to.match(/apps\.rotationGrace \(environment variable PUSHY_APPS_ROTATION_GRACE\): must be at most/);
  });

  describe('the app from PUSHY_APP_* variables', () => {
    const env = { PUSHY_APP_ID: '424242', PUSHY_APP_KEY: 'laravel-key', PUSHY_APP_SECRET: 'laravel-secret' };

    it('adds one app from PUSHY_APP_ID, PUSHY_APP_KEY and PUSHY_APP_SECRET, after the listed ones', () => {
      const { apps } = loadConfig({ file: configFile({ apps: [one] }), env });
      expect(apps.list.map((a) => a.id)).to.deep.equal(['1001', '424242']);
      expect(apps.list[1]).to.deep.equal({
        id: '424242',
        name: '424242',
        enabled: true,
        enableClientEvents: false,
        enableUserAuthentication: false,
        limits: {},
        webhooks: [],
        keys: [{ key: 'laravel-key', secret: 'laravel-secret' }],
      });
    });

    it('reads its optional settings', () => {
      const { apps } = loadConfig({
        env: {
          ...env,
          PUSHY_APP_NAME: 'Laravel',
          PUSHY_APP_ENABLED: 'false',
          PUSHY_APP_CLIENT_EVENTS: 'true',
          PUSHY_APP_USER_AUTHENTICATION: '1',
          PUSHY_APP_MAX_CONNECTIONS: '200',
          PUSHY_APP_LIMITS: '{"clientEventsPerSecond": 10}',
          PUSHY_APP_WEBHOOKS: '[{"url": "https://laravel.test/pushy/webhook", "events": ["member_added"]}]',
        },
      });
      expect(apps.list[0]).to.deep.include({ name: 'Laravel', enabled: false, enableClientEvents: true, enableUserAuthentication: true, maxConnections: 200 });
      expect(apps.list[0]!.limits).to.deep.equal({ clientEventsPerSecond: 10 });
      expect(apps.list[0]!.webhooks).to.deep.equal([{ url: 'https://laravel.test/pushy/webhook', events: ['member_added'] }]);
    });

    it('refuses an incomplete or wrong one, naming the variable, never the secret', () => {
      expect(failure(() => loadConfig({ env: { PUSHY_APP_KEY: 'k' } })).message).to.contain('PUSHY_APP_ID, PUSHY_APP_SECRET: must be set too');
      expect(failure(() => loadConfig({ env: { ...env, PUSHY_APP_CLIENT_EVENTS: 'yes' } })).message).to.contain('PUSHY_APP_CLIENT_EVENTS: must be true or false');
      expect(failure(() => loadConfig({ env: { ...env, PUSHY_APP_MAX_CONNECTIONS: '-1' } })).message).to.contain('PUSHY_APP_MAX_CONNECTIONS: must be a non-negative integer');
      expect(failure(() => loadConfig({ env: { ...env, PUSHY_APP_LIMITS: '{' } })).message).to.contain('PUSHY_APP_LIMITS: must be JSON');
      expect(failure(() => loadConfig({ env: { ...env, PUSHY_APP_LIMITS: '{"maxFrameBytes": "big"}' } })).message).to.match(/PUSHY_APP_LIMITS: limits\.maxFrameBytes/);
      expect(failure(() => loadConfig({ env: { ...env, PUSHY_APP_ID: 'default' } })).message).to.match(/PUSHY_APP_ID: id: "default" is reserved/);
      const spaced = failure(() => loadConfig({ env: { ...env, PUSHY_APP_SECRET: 'laravel-secret ' } }));
      expect(spaced.message).to.contain('PUSHY_APP_SECRET: secret: must be printable ASCII without spaces');
      expect(spaced.message).not.to.contain('laravel-secret');
    });

    it('refuses one that repeats a listed id or key', () => {
      expect(failure(() => loadConfig({ file: configFile({ apps: [{ ...one, id: '424242' }] }), env })).message).to.contain(
        'PUSHY_APP_ID: app id "424242" is also the id of apps.list[0]',
      );
      expect(failure(() => loadConfig({ file: configFile({ apps: [{ ...one, key: 'laravel-key' }] }), env })).message).to.contain(
        'PUSHY_APP_ID: key "laravel-key" is also a key of apps.list[0]',
      );
    });
  });
});
