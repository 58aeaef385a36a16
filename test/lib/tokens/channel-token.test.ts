import { expect } from 'chai';
import { CompactSign, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import sinon from 'sinon';
import { toApp } from '../../../lib/apps/app.js';
import { PushyError, type ErrorName } from '../../../lib/errors.js';
import { appSecretLookup } from '../../../lib/tokens/app-secret-lookup.js';
import { signChannelToken } from '../../../lib/tokens/sign-channel-token.js';
import { ChannelTokenVerifier } from '../../../lib/tokens/verify-channel-token.js';
import { parsePattern } from '../../../lib/wildcards/pattern.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const SECRET = 'app-secret-0123456789';
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The catalogue error `promise` rejects with (fails the test on success or another error). */
async function refusal(promise: Promise<unknown>, name: ErrorName): Promise<PushyError> {
  try {
    await promise;
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(PushyError);
    expect((error as PushyError).errorName, (error as Error).message).to.equal(name);
    return error as PushyError;
  }
  throw new Error(`expected ${name}, but the token was accepted`);
}

/** A token signed over any header and payload bytes (to forge what a real signer never makes). */
function signRaw(header: Record<string, unknown>, payload: string, secret = SECRET): Promise<string> {
  return new CompactSign(encode(payload)).setProtectedHeader(header as { alg: string }).sign(encode(secret));
}

describe('channel tokens', () => {
  let clock: sinon.SinonFakeTimers;
  let verifier: ChannelTokenVerifier;
  const app = toApp({
    id: 'shop',
    keys: [
      { key: 'old-key', secret: 'old-secret', expiresAt: new Date(NOW + 3600_000).toISOString() },
      { key: 'app-key', secret: SECRET },
    ],
  });
  const sign = (fields: Partial<Parameters<typeof signChannelToken>[0]> = {}): Promise<string> =>
    signChannelToken({ key: 'app-key', secret: SECRET, channel: 'private-orders', expiresIn: 60, ...fields });

  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: NOW, toFake: ['Date'] });
    verifier = new ChannelTokenVerifier({ secretForKid: appSecretLookup(app) });
  });
  afterEach(() => clock.restore());

  it('grants what the backend signed: channel, sub, pub and the presence member', async () => {
    const token = await sign({ sub: 'user-7', pub: true });
    expect(await verifier.verify(token, 'private-orders')).to.deep.equal({ channel: 'private-orders', sub: 'user-7', pub: true, expiresAt: NOW + 60_000 });
    const presence = await sign({ channel: 'presence-room', presence: { id: 'user-7', name: 'Ann' } });
    expect(await verifier.verify(presence, 'presence-room')).to.deep.equal({ channel: 'presence-room', pub: false, presence: { id: 'user-7', name: 'Ann' }, expiresAt: NOW + 60_000 });
  });

  it('lowercases the channel it signs, as channel names are case-insensitive', async () => {
    const token = await sign({ channel: 'Private-Orders' });
    expect((await verifier.verify(token, 'private-orders')).channel).to.equal('private-orders');
  });

  it('refuses an expired token, forgiving a few seconds of clock difference', async () => {
    const token = await sign({ expiresIn: 60 });
    clock.tick(64_000);
    expect((await verifier.verify(token, 'private-orders')).pub).to.equal(false);
    clock.tick(1_000);
    const error = await refusal(verifier.verify(token, 'private-orders'), 'TOKEN_EXPIRED');
    expect(error.code).to.equal('441');
    const strict = new ChannelTokenVerifier({ secretForKid: appSecretLookup(app), clockTolerance: 0, now: () => NOW + 60_000 });
    await refusal(strict.verify(token, 'private-orders'), 'TOKEN_EXPIRED');
  });

  it('requires exp, and honours nbf', async () => {
    const noExp = await new SignJWT({ channel: 'private-orders' }).setProtectedHeader({ alg: 'HS256', kid: 'app-key' }).sign(encode(SECRET));
    expect((await refusal(verifier.verify(noExp, 'private-orders'), 'TOKEN_INVALID')).message).to.match(/"exp"/);
    const future = await new SignJWT({ channel: 'private-orders' })
      .setProtectedHeader({ alg: 'HS256', kid: 'app-key' })
      .setNotBefore(NOW / 1000 + 60)
      .setExpirationTime(NOW / 1000 + 120)
      .sign(encode(SECRET));
    expect((await refusal(verifier.verify(future, 'private-orders'), 'TOKEN_INVALID')).message).to.match(/not valid yet/);
    clock.tick(56_000);
    expect((await verifier.verify(future, 'private-orders')).channel).to.equal('private-orders');
  });

  it('refuses a token for another channel; a pattern token covers what the pattern matches', async () => {
    const error = await refusal(verifier.verify(await sign(), 'private-other'), 'TOKEN_WRONG_CHANNEL');
    expect(error.code).to.equal('442');
    const one = await sign({ channel: 'orders.*' });
    expect((await verifier.verify(one, 'orders.1')).channel).to.equal('orders.*');
    expect((await verifier.verify(one, parsePattern('orders.*'))).channel).to.equal('orders.*');
    await refusal(verifier.verify(one, 'orders.1.items'), 'TOKEN_WRONG_CHANNEL');
    await refusal(verifier.verify(one, 'orders'), 'TOKEN_WRONG_CHANNEL');
    await refusal(verifier.verify(one, parsePattern('orders.**')), 'TOKEN_WRONG_CHANNEL');
    const many = await sign({ channel: 'private-orders.**' });
    expect((await verifier.verify(many, 'private-orders.1.items')).channel).to.equal('private-orders.**');
    expect((await verifier.verify(many, parsePattern('private-orders.9.*'))).channel).to.equal('private-orders.**');
    await refusal(verifier.verify(many, 'private-orders'), 'TOKEN_WRONG_CHANNEL');
    await refusal(verifier.verify(await sign({ channel: 'orders.1' }), parsePattern('orders.*')), 'TOKEN_WRONG_CHANNEL');
  });

  it('refuses a badly signed or altered token', async () => {
    const wrongSecret = await signChannelToken({ key: 'app-key', secret: 'not-the-secret', channel: 'private-orders', expiresIn: 60 });
    expect((await refusal(verifier.verify(wrongSecret, 'private-orders'), 'TOKEN_INVALID')).message).to.match(/bad signature/);
    const [header, , signature] = (await sign()).split('.');
    const otherPayload = Buffer.from(JSON.stringify({ channel: 'private-admin', exp: NOW / 1000 + 60 })).toString('base64url');
    await refusal(verifier.verify(`${header}.${otherPayload}.${signature}`, 'private-admin'), 'TOKEN_INVALID');
    await refusal(verifier.verify('not.a.jwt', 'private-orders'), 'TOKEN_INVALID');
    await refusal(verifier.verify('', 'private-orders'), 'TOKEN_INVALID');
    await refusal(verifier.verify({ token: 1 }, 'private-orders'), 'TOKEN_INVALID');
    expect((await refusal(verifier.verify('x'.repeat(20_000), 'private-orders'), 'TOKEN_INVALID')).message).to.match(/longer than 16384/);
  });

  it('finds the secret by kid: an old key works until its expiry, an unknown or missing kid is refused', async () => {
    const old = await signChannelToken({ key: 'old-key', secret: 'old-secret', channel: 'private-orders', expiresIn: 7200 });
    expect((await verifier.verify(old, 'private-orders')).channel).to.equal('private-orders');
    clock.tick(3600_000);
    expect((await refusal(verifier.verify(old, 'private-orders'), 'TOKEN_UNKNOWN_KEY')).code).to.equal('443');
    const unknown = await signChannelToken({ key: 'nobody', secret: SECRET, channel: 'private-orders', expiresIn: 60 });
    await refusal(verifier.verify(unknown, 'private-orders'), 'TOKEN_UNKNOWN_KEY');
    const noKid = await signRaw({ alg: 'HS256' }, JSON.stringify({ channel: 'private-orders', exp: NOW / 1000 + 60 }));
    expect((await refusal(verifier.verify(noKid, 'private-orders'), 'TOKEN_INVALID')).message).to.match(/kid/);
  });

  it('refuses every algorithm but HS256: none, another HMAC, a public-key one', async () => {
    const claims = { channel: 'private-orders', exp: NOW / 1000 + 60 };
    const none = new UnsecuredJWT(claims).encode();
    expect((await refusal(verifier.verify(none, 'private-orders'), 'TOKEN_ALGORITHM')).message).to.match(/"none" refused/);
    const none2 = `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'app-key' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    await refusal(verifier.verify(none2, 'private-orders'), 'TOKEN_ALGORITHM');
    const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS512', kid: 'app-key' }).sign(encode(SECRET.repeat(4)));
    expect((await refusal(verifier.verify(hs512, 'private-orders'), 'TOKEN_ALGORITHM')).code).to.equal('444');
    const { privateKey } = await generateKeyPair('RS256');
    const rs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'app-key' }).sign(privateKey);
    await refusal(verifier.verify(rs256, 'private-orders'), 'TOKEN_ALGORITHM');
  });

  it('refuses claims of the wrong type, naming the claim', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ exp: NOW / 1000 + 60 }, /channel/],
      [{ channel: 'private-orders', exp: 'soon' }, /exp/],
      [{ channel: 'private-orders', exp: NOW / 1000 + 60, pub: 'yes' }, /pub/],
      [{ channel: 'private-orders', exp: NOW / 1000 + 60, sub: 7 }, /sub/],
      [{ channel: 'presence-room', exp: NOW / 1000 + 60, presence: ['a'] }, /presence/],
      [{ channel: 'presence-room', exp: NOW / 1000 + 60 }, /presence/],
      [{ channel: 'presence-room.*', exp: NOW / 1000 + 60 }, /channel/],
      [{ channel: 'has space', exp: NOW / 1000 + 60 }, /channel/],
    ];
    for (const [claims, message] of cases) {
      const token = await signRaw({ alg: 'HS256', kid: 'app-key' }, JSON.stringify(claims));
      const target = typeof claims.channel === 'string' && !claims.channel.includes('*') ? claims.channel : 'private-orders';
      expect((await refusal(verifier.verify(token, target), 'TOKEN_INVALID')).message, JSON.stringify(claims)).to.match(message);
    }
  });

  it('signs only what a verifier could accept (a bug in the caller is a TypeError)', async () => {
    const base = { key: 'app-key', secret: SECRET, channel: 'private-orders', expiresIn: 60 };
    const bad: Array<Partial<typeof base> & Record<string, unknown>> = [
      { secret: '' },
      { key: '' },
      { channel: 'has space' },
      { channel: 'presence-room.*' },
      { channel: 'presence-room' },
      { expiresIn: 0 },
      { expiresIn: 1.5 },
      { presence: ['a'] },
    ];
    for (const fields of bad) {
      let thrown: unknown;
      try {
        await signChannelToken({ ...base, ...fields } as Parameters<typeof signChannelToken>[0]);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(fields)).to.be.instanceOf(TypeError);
    }
  });
});
