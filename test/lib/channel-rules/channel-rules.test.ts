import { expect } from 'chai';
import { channelRulesSchema } from '../../../lib/channel-rules/channel-rule.js';
import { ChannelRules } from '../../../lib/channel-rules/channel-rules.js';
import { ConfigError, loadConfig } from '../../../lib/config.js';

describe('channel rules', () => {
  const rules = new ChannelRules(
    channelRulesSchema.parse([
      { match: 'game-*', maxSubscribers: 1, onFull: 'reject' },
      { match: 'game-*-lobby', maxSubscribers: 50 },
      { match: 'Private-Call-*', maxSubscribers: 2, onFull: 'replace' },
    ]),
  );

  it('finds the first rule whose glob fits the name ("*" is any run of characters; names are case-insensitive)', () => {
    expect(rules.ruleFor('game-1')).to.deep.equal({ match: 'game-*', maxSubscribers: 1, onFull: 'reject' });
    expect(rules.ruleFor('game-1-lobby')?.maxSubscribers, 'the first match wins').to.equal(1);
    expect(rules.ruleFor('private-call-7')?.onFull).to.equal('replace');
    expect(rules.ruleFor('game')).to.equal(undefined);
    expect(rules.ruleFor('xgame-1')).to.equal(undefined);
    expect(rules.isEmpty).to.equal(false);
    expect(new ChannelRules([]).isEmpty).to.equal(true);
  });

  describe('config', () => {
    it('defaults to no rules, reads them from the file or PUSHY_CHANNELS (JSON), with onFull "reject" by default', () => {
      expect(loadConfig({ env: {} }).channels).to.deep.equal([]);
      const config = loadConfig({ env: { PUSHY_CHANNELS: '[{"match": "game-*", "maxSubscribers": 1}]' } });
      expect(config.channels).to.deep.equal([{ match: 'game-*', maxSubscribers: 1, onFull: 'reject' }]);
      const file = loadConfig({ env: {}, overrides: { channels: [{ match: 'duel-*', maxSubscribers: 2, onFull: 'replace' }] } });
      expect(file.channels).to.deep.equal([{ match: 'duel-*', maxSubscribers: 2, onFull: 'replace' }]);
    });

    it('refuses a bad rule, naming the rule and the field', () => {
      const cases: Array<[unknown, RegExp]> = [
        [[{ match: 'game-*', maxSubscribers: 1, onFull: 'kick' }], /channels\[0\]\.onFull: must be "reject" .* or "replace"/],
        [[{ match: 'game-*', maxSubscribers: 1 }, { match: 'x', maxSubscribers: 0 }], /channels\[1\]\.maxSubscribers: must be at least 1/],
        [[{ match: 'game-*', maxSubscribers: 1.5 }], /channels\[0\]\.maxSubscribers: must be a whole number/],
        [[{ match: 'game *', maxSubscribers: 1 }], /channels\[0\]\.match: may contain only/],
        [[{ maxSubscribers: 1 }], /channels\[0\]\.match: must be a channel name pattern/],
        [[{ match: 'a', maxSubscribers: 1, extra: true }], /channels\[0\]/],
        ['not a list', /channels( \(environment variable PUSHY_CHANNELS\))?: must be a list of rules/],
      ];
      for (const [channels, message] of cases) {
        expect(() => loadConfig({ env: {}, overrides: { channels: channels as never } }), JSON.stringify(channels))
          .to.throw(ConfigError)
          .with.property('message')
          .that.matches(message);
      }
      expect(() => loadConfig({ env: { PUSHY_CHANNELS: '{oops' } }))
        .to.throw(ConfigError)
        .with.property('message')
        .that.matches(/channels( \(environment variable PUSHY_CHANNELS\))?: must be a list of rules/);
    });
  });
});
