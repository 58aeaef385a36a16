import { expect } from 'chai';
import { encodePusherError, encodeRawDataFrame, encodeStringDataFrame, encodeSubscriptionError } from '../../../lib/pusher/frames.js';
import { isPusherChannelName, pusherChannelKind } from '../../../lib/pusher/protocol.js';
import { PusherSocketIds, isPusherSocketId } from '../../../lib/pusher/socket-id.js';

describe('pusher: protocol facts', () => {
  it('tells channel kinds by prefix, cache variants included', () => {
    expect(pusherChannelKind('news')).to.deep.equal({ access: 'public', encrypted: false, cache: false });
    expect(pusherChannelKind('cache-news')).to.deep.equal({ access: 'public', encrypted: false, cache: true });
    expect(pusherChannelKind('private-a')).to.deep.equal({ access: 'private', encrypted: false, cache: false });
    expect(pusherChannelKind('private-cache-a')).to.deep.equal({ access: 'private', encrypted: false, cache: true });
    expect(pusherChannelKind('private-encrypted-a')).to.deep.equal({ access: 'private', encrypted: true, cache: false });
    expect(pusherChannelKind('private-encrypted-cache-a')).to.deep.equal({ access: 'private', encrypted: true, cache: true });
    expect(pusherChannelKind('presence-cache-a')).to.deep.equal({ access: 'presence', encrypted: false, cache: true });
    expect(pusherChannelKind('#server-to-user-42')).to.deep.equal({ access: 'user', encrypted: false, cache: false });
  });

  it('accepts Pusher channel names case-sensitively and refuses the rest', () => {
    for (const good of ['a', 'Room-1', 'private-A_b=c@d,e.f;g', '#server-to-user-u1', 'x'.repeat(200)]) expect(isPusherChannelName(good), good).to.equal(true);
    for (const bad of ['', 'a b', 'a:b', 'a/b', '#other', '#server-to-user-', 'x'.repeat(201), 'é']) expect(isPusherChannelName(bad), bad).to.equal(false);
  });

  it('encodes pusher_internal data as a JSON string and errors as objects', () => {
    expect(JSON.parse(encodeStringDataFrame('pusher_internal:subscription_succeeded', {}, 'a'))).to.deep.equal({
      event: 'pusher_internal:subscription_succeeded',
      channel: 'a',
      data: '{}',
    });
    expect(JSON.parse(encodePusherError('Nope', 4009))).to.deep.equal({ event: 'pusher:error', data: { message: 'Nope', code: 4009 } });
    expect(JSON.parse(encodeSubscriptionError('private-a', 'Invalid signature', 401))).to.deep.equal({
      event: 'pusher:subscription_error',
      channel: 'private-a',
      data: { type: 'AuthError', error: 'Invalid signature', status: 401 },
    });
  });

  it('splices a channel event data string in byte for byte', () => {
    const data = '{"n":12345678901234567890}';
    const frame = encodeRawDataFrame('update', JSON.stringify(data), 'news');
    expect((JSON.parse(frame) as { data: string }).data).to.equal(data);
  });

  it('makes distinct N.N socket ids', () => {
    const ids = new PusherSocketIds();
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i += 1) {
      const id = ids.next();
      expect(isPusherSocketId(id), id).to.equal(true);
      seen.add(id);
    }
    expect(seen.size).to.equal(1000);
    expect(isPusherSocketId('1.2.3')).to.equal(false);
    expect(isPusherSocketId('1.2\n')).to.equal(false);
  });
});
