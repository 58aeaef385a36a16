import { expect } from 'chai';
import { verifyChannelAuth, verifyTrigger } from '../../lib/signing/legacy-auth.js';
import { safeEqual } from '../../lib/signing/safe-equal.js';
import { PushyError } from '../../lib/errors.js';
import { historyUrlV3, sha256Hex, signChannel, signChannelV3, signTrigger, triggerUrl, triggerUrlV3 } from '../../lib/signing.js';

/** A socket id of the form the server gives out. */
const SID = '00000000-0000-4000-8000-00000000000a';

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
    expect(() => signChannel({ socketId: SID, channel: 'private-a', secretKey: undefined as unknown as string })).to.throw(TypeError);
  });

  it('signs channel auth with and without presence data', () => {
    expect(signChannel({ socketId: SID, channel: 'Private-A', secretKey: 'k' })).to.equal(sha256Hex(`${SID}:private-a:k`));
    expect(signChannel({ socketId: SID, channel: 'presence-a', presenceData: '{"id":1}', secretKey: 'k' })).to.equal(
      sha256Hex(`${SID}:presence-a:{"id":1}:k`),
    );
  });

  it('refuses to sign a socket id of another form than the server gives out (it could shift into the channel)', () => {
    for (const socketId of [`${SID}:private-admin`, 'sock', SID.toUpperCase(), '', `${SID}\n`]) {
      expect(() => signChannel({ socketId, channel: 'private-user-5', secretKey: 'k' }), socketId).to.throw(TypeError, /socket id/);
    }
  });

  it('builds a signed trigger URL', () => {
    const url = new URL(triggerUrl({ baseUrl: 'http://h:1', channel: 'News', event: 'e', body: '{"x":1}', secretKey: 'k', timestamp: 42, socketId: SID }));
    expect(url.pathname).to.equal('/pushy/channel/news/trigger');
    expect(url.searchParams.get('timestamp')).to.equal('42');
    expect(url.searchParams.get('socket_id')).to.equal(SID);
    expect(url.searchParams.get('auth_key')).to.equal(sha256Hex('news:e:42:{"x":1}:k'));
  });
});

describe('signing v3 (vectors computed with openssl, as docs/signing.md shows)', () => {
  it('signs channel auth over "pushy-channel-auth-v3\\n<socket id>\\n<channel>[\\n<presence data>]"', () => {
    expect(signChannelV3({ socketId: SID, channel: 'Private-A', secretKey: 'k' })).to.equal('v3:d58e0a16915308560fa6b4e8203abb9f8172c65378ee608aebe16210bbb20a63');
    expect(signChannelV3({ socketId: SID, channel: 'presence-a', presenceData: '{"id":1}', secretKey: 'k' })).to.equal(
      'v3:26a3dddb574e1b9d3bde416232bf6a6a33597e81a49138c16b3cba2ef429cf07',
    );
    expect(() => signChannelV3({ socketId: `${SID}:x`, channel: 'private-a', secretKey: 'k' })).to.throw(TypeError, /socket id/);
    expect(() => signChannelV3({ socketId: SID, channel: 'private-a\nb', secretKey: 'k' })).to.throw(TypeError, /channel/);
    expect(() => signChannelV3({ socketId: SID, channel: 'private-a', secretKey: '' })).to.throw(TypeError, /secretKey/);
  });

  it('signs a trigger over method, canonical path and every parameter, the body as body_sha256', () => {
    const url = new URL(triggerUrlV3({ baseUrl: 'http://h:1', channel: 'News', event: 'e', body: '{"x":1}', secretKey: 'k', timestamp: 42, socketId: SID, nonce: false }));
    expect(url.pathname).to.equal('/pushy/channel/news/trigger');
    expect(Object.fromEntries(url.searchParams)).to.deep.equal({
      event: 'e',
      auth_timestamp: '42',
      auth_version: '3',
      socket_id: SID,
      body_sha256: '5041bf1f713df204784353e82f6a4a535931cb64f1f4b4a5aeaffcb720918b22',
      auth_signature: 'ca274c5809a4ffca6a36c947059683c43aff0387fa39ab017c61bfff1f64d4d4',
    });
    // Channel names need no escaping in the signed path, whatever the URL carries.
    expect(new URL(triggerUrlV3({ baseUrl: 'http://h:1', channel: 'a:b', event: 'e', secretKey: 'k' })).pathname).to.equal('/pushy/channel/a%3Ab/trigger');
  });

  it('adds a random auth_nonce by default, so two identical requests in one second sign differently', () => {
    const input = { baseUrl: 'http://h:1', channel: 'news', event: 'e', body: '{}', secretKey: 'k', timestamp: 42 };
    const [a, b] = [new URL(triggerUrlV3(input)), new URL(triggerUrlV3(input))];
    expect(a.searchParams.get('auth_nonce')).to.match(/^[0-9a-f]{16}$/);
    expect(a.searchParams.get('auth_signature')).not.to.equal(b.searchParams.get('auth_signature'));
    expect(new URL(triggerUrlV3({ ...input, nonce: 'n1' })).searchParams.get('auth_nonce')).to.equal('n1');
    expect(new URL(historyUrlV3({ ...input, nonce: false })).searchParams.has('auth_nonce')).to.equal(false);
  });

  it('signs a history read with GET and its own path', () => {
    const url = new URL(historyUrlV3({ baseUrl: 'http://h:1', channel: 'news', secretKey: 'k', since: 5, timestamp: 42, nonce: false }));
    expect(url.pathname).to.equal('/pushy/channel/news/history');
    expect(url.searchParams.get('auth_signature')).to.equal('97c062835cf2bd53b1eca71b9048e3baf7c19f1351ff58fda44d1e25a6c12847');
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
    const v2 = signChannel({ socketId: SID, channel: 'presence-room', presenceData, secretKey: 'k' });
    const v1 = signChannel({ socketId: SID, channel: 'presence-room', presenceData: JSON.stringify(presenceData), secretKey: 'k' });
    const input = { socketId: SID, channel: 'presence-room', presenceData };
    expect(verifyChannelAuth('k', { ...input, auth: v2 })).to.equal(true);
    expect(verifyChannelAuth('k', { ...input, auth: v1 })).to.equal(true);
    expect(verifyChannelAuth('other', { ...input, auth: v2 })).to.equal(false);
    expect(verifyChannelAuth('k', { ...input, socketId: SID.replace('a', 'b'), auth: v2 })).to.equal(false);
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
