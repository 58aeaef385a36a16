import { expect } from 'chai';
import { safeEqual, verifyChannelAuth, verifyTrigger } from '../../lib/native/auth.js';
import { PushyError } from '../../lib/errors.js';
import { sha256Hex, signChannel, signTrigger, triggerUrl } from '../../lib/signing.js';

describe('signing', () => {
  it('reproduces the PROTOCOL.md section 4 example', () => {
    const key = signTrigger({ channel: 'hello', event: 'test', timestamp: 123456789, body: '', secretKey: 'secret' });
    expect(key).to.equal('fc7da7a7f1e50f242f6b57975ea4914aba1e6c31b56165948cd3d090b7ff0625');
    expect(key).to.equal(sha256Hex('hello:test:123456789:{}:secret'));
  });

  it('signs the lowercased channel', () => {
    const lower = signTrigger({ channel: 'hello', event: 'e', timestamp: 1, body: '{"a":1}', secretKey: 's' });
    expect(signTrigger({ channel: 'HeLLo', event: 'e', timestamp: 1, body: '{"a":1}', secretKey: 's' })).to.equal(lower);
  });

  it('refuses to sign without a secret (v1 signed with "undefined")', () => {
    expect(() => signTrigger({ channel: 'a', event: 'b', timestamp: 1, secretKey: '' })).to.throw(TypeError);
    expect(() => signChannel({ socketId: 'x', channel: 'private-a', secretKey: undefined as unknown as string })).to.throw(TypeError);
  });

  it('signs channel auth with and without presence data', () => {
    expect(signChannel({ socketId: 'sock', channel: 'Private-A', secretKey: 'k' })).to.equal(sha256Hex('sock:private-a:k'));
    expect(signChannel({ socketId: 'sock', channel: 'presence-a', presenceData: '{"id":1}', secretKey: 'k' })).to.equal(
      sha256Hex('sock:presence-a:{"id":1}:k'),
    );
  });

  it('builds a signed trigger URL', () => {
    const url = new URL(triggerUrl({ baseUrl: 'http://h:1', channel: 'News', event: 'e', body: '{"x":1}', secretKey: 'k', timestamp: 42, socketId: 's1' }));
    expect(url.pathname).to.equal('/pushy/channel/news/trigger');
    expect(url.searchParams.get('timestamp')).to.equal('42');
    expect(url.searchParams.get('socket_id')).to.equal('s1');
    expect(url.searchParams.get('auth_key')).to.equal(sha256Hex('news:e:42:{"x":1}:k'));
  });
});

describe('auth', () => {
  it('compares in constant time and handles different lengths', () => {
    expect(safeEqual('abc', 'abc')).to.equal(true);
    expect(safeEqual('abc', 'abd')).to.equal(false);
    expect(safeEqual('abc', 'abcd')).to.equal(false);
    expect(safeEqual('', 'a')).to.equal(false);
  });

  it('accepts the v2 and the v1 (double-encoded) presence signature, nothing else', () => {
    const presenceData = '{"id":7,"name":"Ann"}';
    const v2 = signChannel({ socketId: 's', channel: 'presence-room', presenceData, secretKey: 'k' });
    const v1 = signChannel({ socketId: 's', channel: 'presence-room', presenceData: JSON.stringify(presenceData), secretKey: 'k' });
    const input = { socketId: 's', channel: 'presence-room', presenceData };
    expect(verifyChannelAuth('k', { ...input, auth: v2 })).to.equal(true);
    expect(verifyChannelAuth('k', { ...input, auth: v1 })).to.equal(true);
    expect(verifyChannelAuth('other', { ...input, auth: v2 })).to.equal(false);
    expect(verifyChannelAuth('k', { ...input, socketId: 't', auth: v2 })).to.equal(false);
  });

  it('checks the trigger timestamp window both ways and names the error', () => {
    const now = 1_000_000 * 1000;
    const sign = (timestamp: number): string => signTrigger({ channel: 'c', event: 'e', timestamp, body: '', secretKey: 'k' });
    const input = (timestamp: number) => ({ channel: 'c', event: 'e', timestamp: String(timestamp), authKey: sign(timestamp), rawBody: '', parsedBody: {} });
    expect(() => verifyTrigger('k', 600, input(1_000_000 - 600), now)).not.to.throw();
    expect(() => verifyTrigger('k', 600, input(1_000_000 + 600), now)).not.to.throw();
    for (const off of [-601, 601]) {
      try {
        verifyTrigger('k', 600, input(1_000_000 + off), now);
        expect.fail('accepted a stale timestamp');
      } catch (error) {
        expect(error).to.be.instanceOf(PushyError);
        expect((error as PushyError).code).to.equal('501');
      }
    }
  });

  it('accepts the raw body signing and the v1 JSON.stringify(body) signing', () => {
    const raw = '{ "a" : 1 }';
    const base = { channel: 'c', event: 'e', timestamp: '100', rawBody: raw, parsedBody: { a: 1 } };
    const rawKey = signTrigger({ channel: 'c', event: 'e', timestamp: 100, body: raw, secretKey: 'k' });
    const v1Key = signTrigger({ channel: 'c', event: 'e', timestamp: 100, body: '{"a":1}', secretKey: 'k' });
    expect(() => verifyTrigger('k', 600, { ...base, authKey: rawKey }, 100_000)).not.to.throw();
    expect(() => verifyTrigger('k', 600, { ...base, authKey: v1Key }, 100_000)).not.to.throw();
    expect(() => verifyTrigger('k', 600, { ...base, authKey: 'f'.repeat(64) }, 100_000)).to.throw(PushyError, 'Invalid credentials');
  });
});
