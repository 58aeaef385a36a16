import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, describeOptions, loadConfig, workerCount } from '../../lib/config.js';
import { PROJECT_ROOT } from '../helpers/process.js';

function tempFile(content: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pushy-config-'));
  const file = path.join(dir, 'config.json');
  writeFileSync(file, content);
  return file;
}

describe('config', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({ env: {} });
    expect(config.port).to.equal(8123);
    expect(config.timestampTolerance).to.equal(600);
    expect(config.sockjs.prefix).to.equal('/pushy/socket');
    expect(config.secretKey).to.equal('');
  });

  it('workers: 1 by default, a whole number or "auto" (one per CPU), from the file or PUSHY_WORKERS', () => {
    expect(loadConfig({ env: {} }).workers).to.equal(1);
    expect(loadConfig({ env: { PUSHY_WORKERS: '4' } }).workers).to.equal(4);
    expect(loadConfig({ env: { PUSHY_WORKERS: 'auto' } }).workers).to.equal('auto');
    expect(loadConfig({ file: tempFile(JSON.stringify({ workers: 'auto' })), env: {} }).workers).to.equal('auto');
    expect(workerCount({ workers: 'auto' }, () => 6)).to.equal(6);
    expect(workerCount({ workers: 3 }, () => 6)).to.equal(3);
    for (const bad of ['0', '-1', '1.5', 'many', '257']) {
      expect(() => loadConfig({ env: { PUSHY_WORKERS: bad } }), bad).to.throw(ConfigError, /workers \(environment variable PUSHY_WORKERS\): must be a whole number from 1 to 256, or "auto"/);
    }
  });

  it('refuses workers other than 1 with TLS (the primary must read request lines)', () => {
    const ssl = { key: '/k.pem', cert: '/c.pem' };
    for (const workers of [2, 'auto'] as const) {
      expect(() => loadConfig({ overrides: { workers, ssl }, env: {} }), String(workers)).to.throw(ConfigError, /workers: must be 1 with ssl.key and ssl.cert set/);
    }
  });

  it('reads a file, then environment variables over it', () => {
    const file = tempFile(JSON.stringify({ port: 9000, secretKey: 'from-file', sockjs: { heartbeatDelay: 1000 } }));
    const config = loadConfig({ file, env: { PUSHY_SECRET_KEY: 'from-env', PUSHY_PORT: '9100' } });
    expect(config.port).to.equal(9100);
    expect(config.secretKey).to.equal('from-env');
    expect(config.sockjs.heartbeatDelay).to.equal(1000);
  });

  it('refuses an unknown key, naming it and the file', () => {
    const file = tempFile(JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({ file, env: {} })).to.throw(ConfigError, /prot/).and.to.match(new RegExp(file.replace(/[/.]/g, '\\$&')));
  });

  it('refuses a bad type, naming the key', () => {
    const file = tempFile(JSON.stringify({ port: 'abc' }));
    expect(() => loadConfig({ file, env: {} })).to.throw(ConfigError, /port/);
    expect(() => loadConfig({ file: tempFile('{"limits":{"maxFrameBytes":"big"}}'), env: {} })).to.throw(ConfigError, /limits\.maxFrameBytes/);
  });

  it('refuses an unreadable or invalid file', () => {
    expect(() => loadConfig({ file: '/nonexistent/pushy.json', env: {} })).to.throw(ConfigError, /does not exist/);
    expect(() => loadConfig({ file: tempFile('{ not json'), env: {} })).to.throw(ConfigError, /pushy-config/);
  });

  it('config.example.json lists every option with its default', () => {
    const example = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'config.example.json'), 'utf8')) as Record<string, unknown>;
    const lookup = (key: string): unknown => key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], example);
    for (const option of describeOptions()) {
      expect(lookup(option.key), option.key).to.deep.equal(option.default);
      expect(option.env, option.key).to.match(/^PUSHY_[A-Z0-9_]+$/);
    }
    // And it loads cleanly: no key the schema does not know.
    expect(() => loadConfig({ file: path.join(PROJECT_ROOT, 'config.example.json'), env: {} })).not.to.throw();
  });
});
