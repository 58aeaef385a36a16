import { expect } from 'chai';
import fc from 'fast-check';
import { PushyError } from '../../lib/errors.js';
import { requestSigningText, signRequest, verifyRequest, type VerifyRequestInput } from '../../lib/signing/http-request-signature.js';

/** PUSHER.md section B, worked example (from the Pusher HTTP API docs). */
const PUSHER = {
  key: '278d425bdf160c739803',
  secret: '7ad3773142a6692b25b8',
  timestamp: 1353088179,
  body: '{"name":"foo","channels":["project-3"],"data":"{\\"some\\":\\"data\\"}"}',
  text: 'POST\n/apps/3/events\nauth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&body_md5=ec365a775a4cd0599faeb73354201b6f',
  signature: 'da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c',
};

function refusal(run: () => unknown): PushyError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(PushyError);
    return error as PushyError;
  }
  expect.fail('accepted');
}

describe('HTTP request signature (the Pusher HTTP API scheme)', () => {
  const pusherQuery = { auth_key: PUSHER.key, auth_timestamp: String(PUSHER.timestamp), auth_version: '1.0' };
  const verifyPusher = (query: URLSearchParams, overrides: Partial<VerifyRequestInput> = {}) =>
    verifyRequest({
      method: 'POST',
      path: '/apps/3/events',
      query,
      body: PUSHER.body,
      secret: PUSHER.secret,
      version: '1.0',
      tolerance: 600,
      now: PUSHER.timestamp * 1000,
      ...overrides,
    });

  it("reproduces PUSHER.md's worked example: the text, body_md5 and auth_signature", () => {
    const signed = signRequest({ method: 'POST', path: '/apps/3/events', query: pusherQuery, body: PUSHER.body, secret: PUSHER.secret });
    expect(signed).to.deep.equal({ ...pusherQuery, body_md5: 'ec365a775a4cd0599faeb73354201b6f', auth_signature: PUSHER.signature });
    const { auth_signature: _signature, ...params } = signed;
    expect(requestSigningText('post', '/apps/3/events', params)).to.equal(PUSHER.text);
  });

  it("verifies the worked example and returns its parameters, timestamp and signature", () => {
    const query = new URLSearchParams({ ...pusherQuery, body_md5: 'ec365a775a4cd0599faeb73354201b6f', auth_signature: PUSHER.signature });
    const verified = verifyPusher(query);
    expect(verified.timestamp).to.equal(PUSHER.timestamp);
    expect(verified.signature).to.equal(PUSHER.signature);
    expect({ ...verified.params }).to.deep.equal({ ...pusherQuery, body_md5: 'ec365a775a4cd0599faeb73354201b6f' });
  });

  it('lowercases and sorts keys, and signs decoded values unescaped', () => {
    expect(requestSigningText('GET', '/p', { b: 'x y', a: 'user_count,subscription_count', c: 'presence-' })).to.equal(
      'GET\n/p\na=user_count,subscription_count&b=x y&c=presence-',
    );
    const signed = signRequest({ method: 'GET', path: '/p', query: { Info: 'a,b', auth_timestamp: '5', auth_version: '1.0' }, secret: 's' });
    expect(Object.keys(signed)).to.deep.equal(['info', 'auth_timestamp', 'auth_version', 'auth_signature']);
    // The same request with the value URL-escaped differently on the wire verifies the same.
    const query = new URLSearchParams(`INFO=a%2Cb&auth_timestamp=5&auth_version=1.0&auth_signature=${signed.auth_signature}`);
    expect(() => verifyRequest({ method: 'GET', path: '/p', query, body: '', secret: 's', version: '1.0', tolerance: 600, now: 5000 })).not.to.throw();
  });

  it('cannot be re-split: a value with "&" and a repeated key are refused, when signing and when checking', () => {
    // {a: "1", b: "2"} and {a: "1&b=2"} would both sign "a=1&b=2".
    const base = { auth_timestamp: '5', auth_version: '1.0' };
    const twoParams = signRequest({ method: 'GET', path: '/p', query: { ...base, a: '1', b: '2' }, secret: 's' });
    expect(() => signRequest({ method: 'GET', path: '/p', query: { ...base, a: '1&b=2' }, secret: 's' })).to.throw(TypeError, /&/);
    const merged = new URLSearchParams({ ...base, a: '1&b=2', auth_signature: twoParams.auth_signature! });
    const check = (query: URLSearchParams) => () => verifyRequest({ method: 'GET', path: '/p', query, body: '', secret: 's', version: '1.0', tolerance: 600, now: 5000 });
    expect(refusal(check(merged)).code).to.equal('400');
    expect(check(new URLSearchParams({ ...base, a: '1', b: '2', auth_signature: twoParams.auth_signature! }))).not.to.throw();
    const repeated = new URLSearchParams(`auth_timestamp=5&auth_version=1.0&a=1&A=2&b=2&auth_signature=${twoParams.auth_signature}`);
    expect(refusal(check(repeated)).message).to.contain('Repeated parameter: a');
    for (const key of ['a=b', '', 'a&b', 'ä']) {
      const query = new URLSearchParams(base);
      query.append(key, 'x');
      query.append('auth_signature', twoParams.auth_signature!);
      expect(refusal(check(query)).code, key).to.equal('400');
      expect(() => signRequest({ method: 'GET', path: '/p', query: { ...base, [key]: 'x' }, secret: 's' }), key).to.throw(TypeError);
    }
  });

  it('the text of any two signable parameter sets differs (it reads back to exactly its parameters)', () => {
    const key = fc.stringMatching(/^[a-z0-9_.-]{1,8}$/);
    const value = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((v) => !v.includes('&'));
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (params) => {
        const text = requestSigningText('GET', '/p', params);
        const query = text.split('\n').slice(2).join('\n');
        const read: Record<string, string> = {};
        if (query !== '') {
          for (const pair of query.split('&')) {
            const at = pair.indexOf('=');
            read[pair.slice(0, at)] = pair.slice(at + 1);
          }
        }
        expect(read).to.deep.equal({ ...params });
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a wrong signature, secret, method, path or body with 403 "403", a stale timestamp with 403 "501"', () => {
    const signed = signRequest({ method: 'POST', path: '/apps/3/events', query: pusherQuery, body: PUSHER.body, secret: PUSHER.secret });
    const query = new URLSearchParams(signed);
    expect(refusal(() => verifyPusher(query, { secret: 'other' })).code).to.equal('403');
    expect(refusal(() => verifyPusher(query, { method: 'GET' })).code).to.equal('403');
    expect(refusal(() => verifyPusher(query, { path: '/apps/4/events' })).code).to.equal('403');
    expect(refusal(() => verifyPusher(query, { body: PUSHER.body + ' ' })).message).to.contain('body_md5 does not match');
    expect(refusal(() => verifyPusher(query, { now: (PUSHER.timestamp + 601) * 1000 })).code).to.equal('501');
    expect(refusal(() => verifyPusher(query, { now: (PUSHER.timestamp - 601) * 1000 })).code).to.equal('501');
    expect(() => verifyPusher(query, { now: (PUSHER.timestamp - 600) * 1000 })).not.to.throw();
    // A body added to a request signed without one.
    const bodiless = new URLSearchParams(signRequest({ method: 'POST', path: '/apps/3/events', query: pusherQuery, secret: PUSHER.secret }));
    expect(() => verifyPusher(bodiless, { body: '' })).not.to.throw();
    expect(refusal(() => verifyPusher(bodiless)).message).to.contain('the body is not signed');
  });

  it('refuses missing or malformed auth parameters and another auth_version with 400 "400"', () => {
    const signed = signRequest({ method: 'POST', path: '/apps/3/events', query: pusherQuery, body: PUSHER.body, secret: PUSHER.secret });
    const without = (key: string) => {
      const query = new URLSearchParams(signed);
      query.delete(key);
      return query;
    };
    expect(refusal(() => verifyPusher(without('auth_signature'))).message).to.equal('Missing parameter: auth_signature');
    expect(refusal(() => verifyPusher(without('auth_timestamp'))).message).to.equal('Missing parameter: auth_timestamp');
    expect(refusal(() => verifyPusher(new URLSearchParams({ ...signed, auth_signature: signed.auth_signature!.toUpperCase() }))).code).to.equal('400');
    expect(refusal(() => verifyPusher(new URLSearchParams({ ...signed, auth_timestamp: '1e9' }))).code).to.equal('400');
    expect(refusal(() => verifyPusher(new URLSearchParams(signed), { version: '3' })).message).to.contain('auth_version=3');
    const many = new URLSearchParams(signed);
    for (let i = 0; i < 40; i += 1) many.append(`p${i}`, 'x');
    expect(refusal(() => verifyPusher(many)).message).to.contain('Too many parameters');
  });

  it('covers the body with body_sha256 when asked to', () => {
    const query = { auth_timestamp: '5', auth_version: '3' };
    const signed = signRequest({ method: 'POST', path: '/p', query, body: '{"a":1}', secret: 's', bodyDigest: 'sha256' });
    expect(signed.body_sha256).to.equal('015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862');
    expect(signed).not.to.have.property('body_md5');
    const check = { method: 'POST', path: '/p', query: new URLSearchParams(signed), secret: 's', version: '3', tolerance: 600, now: 5000, bodyDigest: 'sha256' } as const;
    expect(() => verifyRequest({ ...check, body: '{"a":1}' })).not.to.throw();
    expect(refusal(() => verifyRequest({ ...check, body: '{"a":2}' })).message).to.contain('body_sha256 does not match');
  });
});
