import { expect } from 'chai';
import { currentKey, rotateKeys, secretsFor } from '../../../lib/apps/app-keys.js';
import { appInputSchema, describeIssue, redactApp, WEBHOOK_EVENT_KINDS, type AppInput } from '../../../lib/apps/app.js';
import { PushyError } from '../../../lib/errors.js';
import { app } from './app-store-contract.js';

/** The first problem of an input the schema refuses, as the config loader words it. */
function problem(input: unknown): string {
  const parsed = appInputSchema.safeParse(input);
  expect(parsed.success, JSON.stringify(input)).to.equal(false);
  return describeIssue(parsed.error!, 'apps.list[0]');
}

describe('app model', () => {
  it('normalises the key/secret shorthand and applies every default', () => {
    expect(app({ id: '12345', key: 'k', secret: 's' })).to.deep.equal({
      id: '12345',
      name: '12345',
      enabled: true,
      enableClientEvents: false,
      enableUserAuthentication: false,
      limits: {},
      webhooks: [],
      keys: [{ key: 'k', secret: 's' }],
    });
  });

  it('takes several pairs, with expiries, and every per-app limit and webhook field', () => {
    const input: AppInput = {
      id: 'shop_eu-1',
      name: 'Shop (EU)',
      enabled: false,
      enableClientEvents: true,
      enableUserAuthentication: true,
      maxConnections: 500,
      limits: { maxChannelsPerConnection: 10, maxPresenceMembers: 50, maxFrameBytes: 2048, maxTriggerBodyBytes: 10240, backendEventsPerSecond: 100, clientEventsPerSecond: 10 },
      webhooks: [
        { url: 'https://hooks.example.com/a' },
        { url: 'http://10.0.0.1:8080/b', events: [...WEBHOOK_EVENT_KINDS], headers: { Authorization: 'Bearer x' }, filter: { channelPrefix: 'private-', channelSuffix: '-eu' } },
      ],
      keys: [
        { key: 'old', secret: 'old-secret', expiresAt: '2030-01-01T00:00:00+02:00' },
        { key: 'new', secret: 'new-secret' },
      ],
    };
    const parsed = app(input);
    expect(parsed).to.deep.include({ id: 'shop_eu-1', name: 'Shop (EU)', enabled: false, maxConnections: 500 });
    expect(parsed.limits).to.deep.equal(input.limits);
    expect(parsed.webhooks).to.deep.equal(input.webhooks);
    expect(parsed.keys).to.deep.equal(input.keys);
  });

  it('refuses what an app may not be, naming the field', () => {
    expect(problem({ id: '1', key: 'k' })).to.equal('apps.list[0].secret: "key" and "secret" go together');
    expect(problem({ id: '1' })).to.match(/apps\.list\[0\]\.key: an app needs "key" and "secret" \(or "keys"\)/);
    expect(problem({ id: '1', key: 'k', secret: 's', keys: [{ key: 'k2', secret: 's' }] })).to.match(/keys: give either/);
    expect(problem({ id: '1', keys: [] })).to.match(/keys: must have at least one pair/);
    expect(problem({ id: '1', keys: [{ key: 'a', secret: 's' }, { key: 'a', secret: 't' }] })).to.match(/key "a" appears twice/);
    expect(problem({ id: '1', keys: Array.from({ length: 11 }, (_, i) => ({ key: `k${i}`, secret: 's' })) })).to.match(/at most 10 pairs/);
    expect(problem({ id: '', key: 'k', secret: 's' })).to.match(/\.id: must not be empty/);
    expect(problem({ id: 'a/b', key: 'k', secret: 's' })).to.match(/\.id: must contain only/);
    expect(problem({ id: 'x'.repeat(65), key: 'k', secret: 's' })).to.match(/\.id: must be at most 64/);
    expect(problem({ id: 'default', key: 'k', secret: 's' })).to.match(/\.id: "default" is reserved/);
    expect(problem({ id: '1', key: 'default', secret: 's' })).to.match(/\.key: "default" is reserved/);
    expect(problem({ id: '1', key: 'k k', secret: 's' })).to.match(/\.key: must contain only/);
    expect(problem({ id: '1', key: 'k', secret: 'secret\n' })).to.match(/\.secret: must be printable ASCII without spaces/);
    expect(problem({ id: '1', key: 'k', secret: 's', colour: 'red' })).to.match(/colour/);
    expect(problem({ id: 1, key: 'k', secret: 's' })).to.match(/\.id: /);
    expect(problem({ id: '1', keys: [{ key: 'k', secret: 's', expiresAt: 'tomorrow' }] })).to.match(/keys\[0\]\.expiresAt: must be an ISO 8601/);
    expect(problem({ id: '1', keys: [{ key: 'k', secret: 's', expiresAt: '2030-01-01T00:00:00' }] }), 'a time zone is required').to.match(/expiresAt/);
    expect(problem({ id: '1', key: 'k', secret: 's', maxConnections: 1.5 })).to.match(/maxConnections: must be an integer/);
    expect(problem({ id: '1', key: 'k', secret: 's', limits: { maxConnections: 5 } })).to.match(/limits/);
    expect(problem({ id: '1', key: 'k', secret: 's', limits: { clientEventsPerSecond: -1 } })).to.match(/limits\.clientEventsPerSecond: must not be negative/);
  });

  it('refuses webhooks that are not http(s), name unknown kinds, or could inject headers', () => {
    const hook = (webhook: unknown): string => problem({ id: '1', key: 'k', secret: 's', webhooks: [webhook] });
    expect(hook({ url: 'javascript:alert(1)' })).to.match(/webhooks\[0\]\.url: must be an http/);
    expect(hook({ url: 'not a url' })).to.match(/webhooks\[0\]\.url/);
    expect(hook({ url: 'https://x', events: ['channel_created'] })).to.match(/webhooks\[0\]\.events\[0\]/);
    expect(hook({ url: 'https://x', events: [] })).to.match(/at least one kind/);
    expect(hook({ url: 'https://x', headers: { 'X-A': 'one\r\nX-B: two' } })).to.match(/must not contain line breaks/);
    expect(hook({ url: 'https://x', headers: { 'Bad Name': 'v' } })).to.match(/HTTP header name/);
    expect(hook({ url: 'https://x', filter: { channelPrefix: '' } })).to.match(/filter\.channelPrefix/);
    expect(hook({ url: 'https://x', secret: 'x' })).to.match(/secret/);
    const many = Array.from({ length: 11 }, () => ({ url: 'https://x' }));
    expect(problem({ id: '1', key: 'k', secret: 's', webhooks: many })).to.match(/at most 10 webhooks/);
  });

  it('redacts every secret for listings', () => {
    const redacted = redactApp(app({ id: '1', keys: [{ key: 'a', secret: 'sa', expiresAt: '2030-01-01T00:00:00Z' }, { key: 'b', secret: 'sb' }] }));
    expect(redacted.keys).to.deep.equal([{ key: 'a', expiresAt: '2030-01-01T00:00:00Z' }, { key: 'b' }]);
    expect(JSON.stringify(redacted)).not.to.match(/sa|sb/);
  });
});

describe('app keys: rotation semantics', () => {
  const T0 = Date.parse('2030-01-01T00:00:00Z');
  const two = app({ id: '1', keys: [{ key: 'old', secret: 'so', expiresAt: new Date(T0 + 1000).toISOString() }, { key: 'new', secret: 'sn' }] });

  it('gives the live secrets newest first and the newest live pair as current', () => {
    expect(secretsFor(two, T0)).to.deep.equal(['sn', 'so']);
    expect(secretsFor(two, T0 + 1000)).to.deep.equal(['sn']);
    expect(currentKey(two, T0)?.key).to.equal('new');
    const onlyOld = app({ id: '1', keys: [{ key: 'new', secret: 'sn', expiresAt: new Date(T0).toISOString() }, { key: 'x', secret: 'sx', expiresAt: new Date(T0 + 5).toISOString() }] });
    expect(currentKey(onlyOld, T0)?.key).to.equal('x');
    expect(currentKey(onlyOld, T0 + 5)).to.equal(undefined);
  });

  it('keeps an earlier expiry than the grace period gives, and extends none', () => {
    const rotation = rotateKeys('1', two.keys, { key: 'newer', secret: 'sr' }, T0, 3600);
    expect(rotation.keys).to.deep.equal([
      { key: 'old', secret: 'so', expiresAt: new Date(T0 + 1000).toISOString() },
      { key: 'new', secret: 'sn', expiresAt: new Date(T0 + 3_600_000).toISOString() },
      { key: 'newer', secret: 'sr' },
    ]);
    expect(rotation.previousExpireAt).to.equal(new Date(T0 + 3_600_000).toISOString());
    // When every old pair expires before the grace period ends, that is when they stop.
    expect(rotateKeys('1', two.keys.slice(0, 1), { key: 'n', secret: 's' }, T0, 3600).previousExpireAt).to.equal(new Date(T0 + 1000).toISOString());
    expect(rotateKeys('1', [], { key: 'n', secret: 's' }, T0, 3600)).to.deep.equal({ keys: [{ key: 'n', secret: 's' }] });
  });

  it('refuses an 11th live pair with APP_TOO_MANY_KEYS', () => {
    const ten = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, secret: 's' }));
    expect(() => rotateKeys('shop', ten, { key: 'n', secret: 's' }, T0, 60)).to.throw(PushyError, /App "shop" already has 10 live keys/);
    expect(rotateKeys('shop', ten, { key: 'n', secret: 's' }, T0, 0).keys).to.have.length(1);
  });
});
