import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../lib/config.js';
import { decodeFeedEvent, encodeFeedEvent } from '../../../lib/feed/feed-event.js';

describe('events feed format', () => {
  it('is {"app","channel","event","data","offset"}, in this order, whatever the data', () => {
    expect(encodeFeedEvent({ app: 'shop', channel: 'orders', event: 'created', data: { id: 7, items: ['a'] }, offset: 42 })).to.equal(
      '{"app":"shop","channel":"orders","event":"created","data":{"id":7,"items":["a"]},"offset":42}',
    );
    expect(encodeFeedEvent({ offset: 1, data: 'text', event: 'e', channel: 'c', app: 'default' })).to.equal('{"app":"default","channel":"c","event":"e","data":"text","offset":1}');
    expect(encodeFeedEvent({ app: 'a', channel: 'c', event: 'e', data: undefined, offset: 1 }), 'no data is null, never a missing field').to.equal(
      '{"app":"a","channel":"c","event":"e","data":null,"offset":1}',
    );
  });

  it('reads back what it writes; anything else is not a feed event', () => {
    const event = { app: 'shop', channel: 'orders', event: 'created', data: { nested: [1, { x: null }] }, offset: 3 };
    expect(decodeFeedEvent(encodeFeedEvent(event))).to.deep.equal(event);
    expect(decodeFeedEvent('{"app":"a","channel":"c","event":"e","data":1,"offset":2,"later":"field"}'), 'fields added later are ignored').to.deep.equal({
      app: 'a',
      channel: 'c',
      event: 'e',
      data: 1,
      offset: 2,
    });
    for (const text of ['not json', '[]', 'null', '{"app":"a","channel":"c","event":"e","data":1}', '{"app":"a","channel":"c","event":"e","data":1,"offset":0}']) {
      expect(decodeFeedEvent(text), text).to.equal(undefined);
    }
  });

  it('is off by default on "pushy:feed"; feed.enabled and feed.channel come from the file or the environment', () => {
    expect(loadConfig({ env: {} }).feed).to.deep.equal({ enabled: false, channel: 'pushy:feed' });
    expect(loadConfig({ env: { PUSHY_FEED_ENABLED: 'true', PUSHY_FEED_CHANNEL: 'events:all' } }).feed).to.deep.equal({ enabled: true, channel: 'events:all' });
    for (const channel of ['', 'with space', 'x'.repeat(201)]) {
      expect(() => loadConfig({ env: {}, overrides: { feed: { channel } } }), channel).to.throw(ConfigError, /feed\.channel: must be 1 to 200 printable characters/);
    }
  });
});
