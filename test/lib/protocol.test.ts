import { expect } from 'chai';
import { channelKind } from '../../lib/channels/channel-policy.js';
import { encodeFrame, normaliseChannelName } from '../../lib/native/protocol.js';

describe('protocol', () => {
  it('lowercases valid channel names and refuses invalid ones', () => {
    expect(normaliseChannelName('Chat-Room_1=@,.;:')).to.equal('chat-room_1=@,.;:');
    for (const bad of ['', 'a b', 'é', 'a/b', 'x'.repeat(201), 42, null, undefined, {}, '__proto__', 'Constructor', 'prototype', '.', '..']) {
      expect(normaliseChannelName(bad), String(bad)).to.equal(null);
    }
    expect(normaliseChannelName('x'.repeat(200))).to.equal('x'.repeat(200));
    expect(normaliseChannelName('...'), 'not a path segment').to.equal('...');
  });

  it('tells channel kinds by prefix', () => {
    expect(channelKind('presence-a')).to.equal('presence');
    expect(channelKind('private-a')).to.equal('private');
    expect(channelKind('privatea')).to.equal('public');
  });

  it('encodes frames without absent fields', () => {
    expect(encodeFrame('e')).to.equal('{"event":"e"}');
    expect(encodeFrame('e', 'c', { a: 1 })).to.equal('{"event":"e","channel":"c","data":{"a":1}}');
  });
});
