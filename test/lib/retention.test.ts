import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../lib/config.js';
import { RetentionPolicy, globToRegExp } from '../../lib/history/retention.js';

describe('history retention', () => {
  it('picks the first rule whose pattern matches, else the default', () => {
    const policy = new RetentionPolicy(
      [
        { match: 'chat-*', size: 100, ttl: 300 },
        { match: '*-log', size: 5, ttl: 10 },
        { match: 'ticker', size: 1, ttl: 1 },
      ],
      { size: 20, ttl: 60 },
    );
    expect(policy.resolve('chat-room')).to.deep.equal({ size: 100, ttl: 300 });
    expect(policy.resolve('chat-log')).to.deep.equal({ size: 100, ttl: 300 });
    expect(policy.resolve('audit-log')).to.deep.equal({ size: 5, ttl: 10 });
    expect(policy.resolve('ticker')).to.deep.equal({ size: 1, ttl: 1 });
    expect(policy.resolve('tickers')).to.deep.equal({ size: 20, ttl: 60 });
  });

  it('treats every pattern character but * literally, case-insensitively', () => {
    expect(globToRegExp('a.b').test('axb')).to.equal(false);
    expect(globToRegExp('a.b').test('a.b')).to.equal(true);
    expect(globToRegExp('Private-*').test('private-x')).to.equal(true);
  });

  it('is configured by history.rules, also from PUSHY_HISTORY_RULES as JSON', () => {
    const rules = [{ match: 'chat-*', size: 100, ttl: 300 }];
    expect(loadConfig({ env: {}, overrides: { history: { rules } } }).history.rules).to.deep.equal(rules);
    expect(loadConfig({ env: { PUSHY_HISTORY_RULES: JSON.stringify(rules) } }).history.rules).to.deep.equal(rules);
    const defaults = loadConfig({ env: {} }).history;
    expect(defaults).to.deep.equal({ size: 100, ttl: 300, rules: [], maxMemoryBytes: 67108864, metaTtl: 86400, maxReadLimit: 100 });
  });

  it('refuses a malformed rule, naming it', () => {
    const bad = (rules: unknown) => () => loadConfig({ env: {}, overrides: { history: { rules: rules as never } } });
    expect(bad([{ match: 'a', size: -1, ttl: 1 }])).to.throw(ConfigError, /history\.rules.*rule 0.*size/);
    expect(bad([{ match: 'a', size: 1 }])).to.throw(ConfigError, /rule 0/);
    expect(bad([{ match: '', size: 1, ttl: 1 }])).to.throw(ConfigError, /match/);
    expect(bad('chat-*')).to.throw(ConfigError, /history\.rules/);
  });
});
