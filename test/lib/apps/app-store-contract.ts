import { expect } from 'chai';
import sinon from 'sinon';
import { secretsFor } from '../../../lib/apps/app-keys.js';
import type { AppChange, AppStore } from '../../../lib/apps/app-store.js';
import { appInputSchema, type App, type AppInput } from '../../../lib/apps/app.js';
import { PushyError, type ErrorName } from '../../../lib/errors.js';

/** How the contract gets stores of one kind. */
export interface AppStoreHarness {
  /** False for the config store: every write must be refused. */
  writable: boolean;
  /** A started store holding exactly `seed` (the backend is emptied first). */
  open(seed: App[], options?: { rotationGrace?: number }): Promise<AppStore>;
  /** A second started store on the same backend, as another node would open it; absent when a store is one process by nature. */
  openAnother?(): Promise<AppStore>;
}

/** Parses config-style app input into an app, as the config loader does. */
export function app(input: AppInput): App {
  return appInputSchema.parse(input);
}

/** Collects a store's change events and waits for one. */
export class Changes {
  readonly seen: AppChange[] = [];
  private waiters: Array<{ match: (c: AppChange) => boolean; resolve: (c: AppChange) => void }> = [];

  constructor(store: AppStore) {
    store.onChange((change) => {
      this.seen.push(change);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(change)) return true;
        w.resolve(change);
        return false;
      });
    });
  }

  /** The first change (already seen or coming) that matches, or a rejection after `timeoutMs`. */
  next(match: (c: AppChange) => boolean, timeoutMs = 5000): Promise<AppChange> {
    const seen = this.seen.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching change within ${timeoutMs} ms; saw ${JSON.stringify(this.seen.map((c) => [c.type, c.app.id]))}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (c) => {
          clearTimeout(timer);
          resolve(c);
        },
      });
    });
  }
}

/** Resolves to the PushyError a promise rejects with (fails the test when it resolves). */
export async function refusal(promise: Promise<unknown>, name: ErrorName): Promise<PushyError> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(PushyError);
    expect((error as PushyError).errorName, (error as Error).message).to.equal(name);
    return error as PushyError;
  }
  throw new Error(`expected ${name}, got ${JSON.stringify(outcome)}`);
}

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const later = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

/** Two apps every test starts with: one plain, one with a pair that expires at T0 + 60 s. */
function seedApps(): App[] {
  return [
    app({ id: '1001', key: 'key-one', secret: 'secret-one', name: 'One', enableClientEvents: true, limits: { maxChannelsPerConnection: 5 } }),
    app({
      id: 'two',
      keys: [
        { key: 'key-two-old', secret: 'secret-two-old', expiresAt: later(60) },
        { key: 'key-two', secret: 'secret-two' },
      ],
    }),
  ];
}

/** The behaviour every app store must have: the config store and the PostgreSQL store run it. */
export function describeAppStoreContract(name: string, harness: AppStoreHarness): void {
  describe(`App store contract: ${name}`, () => {
    const opened: AppStore[] = [];
    let clock: sinon.SinonFakeTimers | undefined;
    const open = async (seed = seedApps(), options?: { rotationGrace?: number }): Promise<AppStore> => {
      const store = await harness.open(seed, options);
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      clock?.restore();
      clock = undefined;
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    it('lists its apps and finds them by id and by any of their keys', async () => {
      const store = await open();
      expect(store.isUp).to.equal(true);
      expect(store.list().map((a) => a.id).sort()).to.deep.equal(['1001', 'two']);
      const one = store.get('1001')!;
      expect(one).to.deep.include({ id: '1001', name: 'One', enabled: true, enableClientEvents: true, enableUserAuthentication: false });
      expect(one.limits).to.deep.equal({ maxChannelsPerConnection: 5 });
      expect(one.webhooks).to.deep.equal([]);
      expect(store.getByKey('key-one')?.id).to.equal('1001');
      expect(store.getByKey('key-two-old')?.id).to.equal('two');
      expect(store.getByKey('key-two')?.id).to.equal('two');
      expect(store.get('nope')).to.equal(undefined);
      expect(store.getByKey('nope')).to.equal(undefined);
      // Names of Object.prototype members are ids and keys like any other.
      expect(store.get('constructor')).to.equal(undefined);
      expect(store.getByKey('__proto__')).to.equal(undefined);
    });

    it('finds the secret of a key until its pair expires, and refuses it from then on', async () => {
      const store = await open();
      expect(store.findSecret('key-one', T0)).to.deep.include({ key: 'key-one', secret: 'secret-one' });
      expect(store.findSecret('key-one', T0)?.app.id).to.equal('1001');
      expect(store.findSecret('key-two-old', T0 + 59_999)).to.deep.include({ secret: 'secret-two-old', expiresAt: later(60) });
      expect(store.findSecret('key-two-old', T0 + 60_000), 'expired at expiresAt').to.equal(undefined);
      expect(store.findSecret('key-two', T0 + 60_000)?.secret).to.equal('secret-two');
      expect(store.findSecret('unknown', T0)).to.equal(undefined);
      // The app itself still has the expired pair: secretsFor leaves it out.
      expect(secretsFor(store.get('two')!, T0)).to.deep.equal(['secret-two', 'secret-two-old']);
      expect(secretsFor(store.get('two')!, T0 + 60_000)).to.deep.equal(['secret-two']);
    });

    it('without an explicit time, uses the clock (sinon fake Date)', async () => {
      const store = await open();
      clock = sinon.useFakeTimers({ now: T0 + 59_000, toFake: ['Date'] });
      expect(store.findSecret('key-two-old')?.secret).to.equal('secret-two-old');
      clock.tick(1000);
      expect(store.findSecret('key-two-old')).to.equal(undefined);
    });

    it('hands out frozen apps: a reader cannot change the cache', async () => {
      const store = await open();
      const one = store.get('1001')!;
      expect(() => ((one as { enabled: boolean }).enabled = false)).to.throw(TypeError);
      expect(() => (one.keys as AppKeyList).push({ key: 'x', secret: 'y' })).to.throw(TypeError);
      expect(store.get('1001')!.enabled).to.equal(true);
    });

    if (!harness.writable) {
      it('refuses every change with APPS_READ_ONLY, which says to edit the config file, and changes nothing', async () => {
        const store = await open();
        const changes = new Changes(store);
        const error = await refusal(store.create({ id: 'new', key: 'new-key', secret: 'new-secret' }), 'APPS_READ_ONLY');
        expect(error.message).to.match(/config file/);
        await refusal(store.update('1001', { enabled: false }), 'APPS_READ_ONLY');
        await refusal(store.rotate('1001'), 'APPS_READ_ONLY');
        await refusal(store.remove('1001'), 'APPS_READ_ONLY');
        expect(store.list()).to.have.length(2);
        expect(store.get('1001')!.enabled).to.equal(true);
        expect(store.get('1001')!.keys).to.have.length(1);
        expect(changes.seen).to.deep.equal([]);
      });
      return;
    }

    describe('writes', () => {
      it('creates an app with a generated id, key and secret, visible at once, and announces it', async () => {
        const store = await open([]);
        const changes = new Changes(store);
        const created = await store.create({ name: 'Shop' });
        expect(created.app.id).to.match(/^\d{12}$/);
        expect(created.key).to.match(/^[0-9a-f]{20}$/);
        expect(created.secret).to.match(/^[0-9a-f]{48}$/);
        expect(created.app).to.deep.include({ name: 'Shop', enabled: true, enableClientEvents: false, enableUserAuthentication: false });
        expect(created.app.keys).to.deep.equal([{ key: created.key, secret: created.secret }]);
        expect(store.get(created.app.id)).to.deep.equal(created.app);
        expect(store.findSecret(created.key)?.secret).to.equal(created.secret);
        const change = await changes.next((c) => c.app.id === created.app.id);
        expect(change.type).to.equal('created');
        expect(changes.seen.filter((c) => c.app.id === created.app.id), 'announced once').to.have.length(1);
      });

      it('creates an app with the id, key, secret and settings given; the name defaults to the id', async () => {
        const store = await open([]);
        const webhooks = [{ url: 'https://hooks.example.com/pushy', events: ['channel_occupied' as const], headers: { 'X-Token': 't' }, filter: { channelPrefix: 'presence-' } }];
        const created = await store.create({
          id: 'shop_2',
          key: 'shop-key',
          secret: 'shop-secret',
          enableUserAuthentication: true,
          maxConnections: 50,
          limits: { backendEventsPerSecond: 10, maxPresenceMembers: 3 },
          webhooks,
        });
        expect(created).to.deep.include({ key: 'shop-key', secret: 'shop-secret' });
        const stored = store.get('shop_2')!;
        expect(stored).to.deep.equal({
          id: 'shop_2',
          name: 'shop_2',
          enabled: true,
          enableClientEvents: false,
          enableUserAuthentication: true,
          maxConnections: 50,
          limits: { backendEventsPerSecond: 10, maxPresenceMembers: 3 },
          webhooks,
          keys: [{ key: 'shop-key', secret: 'shop-secret' }],
        });
      });

      it('refuses a key another app holds (even as an expired pair), a taken id and invalid settings, each with its own error', async () => {
        const store = await open();
        const taken = await refusal(store.create({ key: 'key-one' }), 'APP_KEY_TAKEN');
        expect(taken.message).to.contain('key-one');
        await refusal(store.create({ key: 'key-two-old' }), 'APP_KEY_TAKEN');
        const id = await refusal(store.create({ id: '1001', key: 'fresh-key' }), 'APP_ID_TAKEN');
        expect(id.message).to.contain('1001');
        expect((await refusal(store.create({ id: 'has space' }), 'INVALID_APP')).message).to.match(/id: must contain only/);
        expect((await refusal(store.create({ id: 'default' }), 'INVALID_APP')).message).to.match(/reserved/);
        expect((await refusal(store.create({ key: 'default' }), 'INVALID_APP')).message).to.match(/key: .*reserved/);
        expect((await refusal(store.create({ colour: 'red' } as never), 'INVALID_APP')).message).to.match(/colour/);
        expect((await refusal(store.create({ secret: 'two words' }), 'INVALID_APP')).message).to.match(/secret: must be printable ASCII without spaces/);
        const hook = await refusal(store.create({ webhooks: [{ url: 'ftp://x' }] }), 'INVALID_APP');
        expect(hook.message).to.match(/webhooks\[0\]\.url/);
        await refusal(store.create({ webhooks: [{ url: 'https://x', headers: { 'X-A': 'a\r\nInjected: yes' } }] }), 'INVALID_APP');
        await refusal(store.create({ webhooks: [{ url: 'https://x', events: ['nope' as never] }] }), 'INVALID_APP');
        await refusal(store.create({ limits: { maxFrameBytes: -1 } }), 'INVALID_APP');
        expect(store.list()).to.have.length(2);
      });

      it('updates settings (disable, enable, limits, no own connection limit) and announces each change with the app before it', async () => {
        const store = await open();
        const changes = new Changes(store);
        const disabled = await store.update('1001', { enabled: false });
        expect(disabled.enabled).to.equal(false);
        expect(store.get('1001')!.enabled).to.equal(false);
        const change = await changes.next((c) => c.type === 'updated' && !c.app.enabled);
        expect(change.type === 'updated' && change.previous.enabled).to.equal(true);
        // Keys and other settings are untouched.
        expect(store.get('1001')!.keys).to.deep.equal([{ key: 'key-one', secret: 'secret-one' }]);
        expect(store.get('1001')!.limits).to.deep.equal({ maxChannelsPerConnection: 5 });

        await store.update('1001', { enabled: true, name: 'Renamed', maxConnections: 7, limits: { clientEventsPerSecond: 10 } });
        expect(store.get('1001')).to.deep.include({ enabled: true, name: 'Renamed', maxConnections: 7 });
        expect(store.get('1001')!.limits, 'limits are replaced as a whole').to.deep.equal({ clientEventsPerSecond: 10 });
        await store.update('1001', { maxConnections: null });
        expect(store.get('1001')).not.to.have.property('maxConnections');

        await refusal(store.update('nope', { enabled: false }), 'APP_NOT_FOUND');
        await refusal(store.update('1001', {}), 'INVALID_APP');
        await refusal(store.update('1001', { keys: [] } as never), 'INVALID_APP');
      });

      it('rotates a key: a new pair, shown once; the old one works until now + grace and is refused from then on', async () => {
        const store = await open(seedApps(), { rotationGrace: 3600 });
        const changes = new Changes(store);
        const rotated = await store.rotate('1001', { now: T0 });
        expect(rotated.key).to.match(/^[0-9a-f]{20}$/);
        expect(rotated.secret).to.match(/^[0-9a-f]{48}$/);
        expect(rotated.previousExpireAt).to.equal(later(3600));
        expect(store.get('1001')!.keys).to.deep.equal([
          { key: 'key-one', secret: 'secret-one', expiresAt: later(3600) },
          { key: rotated.key, secret: rotated.secret },
        ]);
        expect(rotated.app).to.deep.equal(store.get('1001'));
        await changes.next((c) => c.type === 'updated' && c.app.keys.length === 2);

        expect(store.findSecret('key-one', T0 + 3_599_999)?.secret).to.equal('secret-one');
        expect(store.findSecret(rotated.key, T0)?.secret).to.equal(rotated.secret);
        expect(secretsFor(store.get('1001')!, T0), 'newest first').to.deep.equal([rotated.secret, 'secret-one']);
        expect(store.findSecret('key-one', T0 + 3_600_000)).to.equal(undefined);
        expect(store.findSecret(rotated.key, T0 + 3_600_000)?.secret).to.equal(rotated.secret);
      });

      it('rotates with a given key and secret, drops pairs that expired before, and with a grace of 0 retires the old pairs at once', async () => {
        const store = await open();
        // At T0 + 120 s the pair key-two-old (expired at T0 + 60 s) is dropped for good.
        const rotated = await store.rotate('two', { now: T0 + 120_000, graceSeconds: 10, key: 'key-two-new', secret: 'secret-two-new' });
        expect(rotated).to.deep.include({ key: 'key-two-new', secret: 'secret-two-new', previousExpireAt: later(130) });
        expect(store.get('two')!.keys).to.deep.equal([
          { key: 'key-two', secret: 'secret-two', expiresAt: later(130) },
          { key: 'key-two-new', secret: 'secret-two-new' },
        ]);
        expect(store.getByKey('key-two-old')).to.equal(undefined);
        // So a dropped key is free again.
        await store.create({ key: 'key-two-old' });

        const now = await store.rotate('two', { now: T0 + 120_000, graceSeconds: 0 });
        expect(now.previousExpireAt).to.equal(later(120));
        expect(store.get('two')!.keys.map((k) => k.key)).to.deep.equal([now.key]);
        expect(store.findSecret('key-two-new', T0 + 120_000)).to.equal(undefined);
        expect(store.findSecret(now.key, T0 + 120_000)?.secret).to.equal(now.secret);

        await refusal(store.rotate('two', { key: 'key-one' }), 'APP_KEY_TAKEN');
        await refusal(store.rotate('nope'), 'APP_NOT_FOUND');
        await refusal(store.rotate('two', { graceSeconds: -1 }), 'INVALID_APP');
        await refusal(store.rotate('two', { graceSeconds: 1.5 }), 'INVALID_APP');
      });

      it('keeps at most 10 live pairs: an 11th rotation within the grace period is refused, one with a grace of 0 retires them all', async () => {
        const store = await open();
        for (let i = 0; i < 9; i += 1) await store.rotate('1001', { now: T0, graceSeconds: 3600 });
        expect(store.get('1001')!.keys).to.have.length(10);
        const error = await refusal(store.rotate('1001', { now: T0, graceSeconds: 3600 }), 'APP_TOO_MANY_KEYS');
        expect(error.message).to.match(/grace of 0/);
        const fresh = await store.rotate('1001', { now: T0, graceSeconds: 0 });
        expect(store.get('1001')!.keys, 'a grace of 0 retires the ten old pairs at once').to.deep.equal([{ key: fresh.key, secret: fresh.secret }]);
      });

      it('removes an app: gone by id and key, announced, its keys free again', async () => {
        const store = await open();
        const changes = new Changes(store);
        const removed = await store.remove('two');
        expect(removed.id).to.equal('two');
        expect(removed.keys.map((k) => k.key)).to.deep.equal(['key-two-old', 'key-two']);
        expect(store.get('two')).to.equal(undefined);
        expect(store.getByKey('key-two')).to.equal(undefined);
        expect(store.findSecret('key-two', T0)).to.equal(undefined);
        expect((await changes.next((c) => c.app.id === 'two')).type).to.equal('removed');
        await refusal(store.remove('two'), 'APP_NOT_FOUND');
        await store.create({ id: 'two', key: 'key-two' });
        expect(store.getByKey('key-two')?.id).to.equal('two');
      });

      it('stops calling a removed listener, and one listener throwing does not stop the others or the store', async () => {
        const store = await open([]);
        const kept = new Changes(store);
        let removedCalls = 0;
        const remove = store.onChange(() => (removedCalls += 1));
        store.onChange(() => {
          throw new Error('listener bug');
        });
        remove();
        const created = await store.create({});
        await kept.next((c) => c.app.id === created.app.id);
        expect(removedCalls).to.equal(0);
        expect(store.get(created.app.id)).to.not.equal(undefined);
      });

      if (harness.openAnother) {
        const openAnother = harness.openAnother;
        it('two stores on one backend (two nodes) see each other’s create, disable, rotate and remove within 1 s', async () => {
          const a = await open([]);
          const b = await openAnother();
          opened.push(b);
          const seenByB = new Changes(b);
          const seenByA = new Changes(a);

          const created = await a.create({ name: 'from A' });
          await seenByB.next((c) => c.type === 'created' && c.app.id === created.app.id, 1000);
          expect(b.findSecret(created.key)?.secret).to.equal(created.secret);

          await b.update(created.app.id, { enabled: false });
          await seenByA.next((c) => c.type === 'updated' && c.app.id === created.app.id && !c.app.enabled, 1000);
          expect(a.get(created.app.id)!.enabled).to.equal(false);

          const rotated = await a.rotate(created.app.id, { graceSeconds: 0 });
          await seenByB.next((c) => c.type === 'updated' && c.app.keys.some((k) => k.key === rotated.key), 1000);
          expect(b.findSecret(rotated.key)?.secret).to.equal(rotated.secret);
          expect(b.findSecret(created.key), 'the old pair is refused on B too').to.equal(undefined);

          await b.remove(created.app.id);
          await seenByA.next((c) => c.type === 'removed' && c.app.id === created.app.id, 1000);
          expect(a.get(created.app.id)).to.equal(undefined);
        });
      }
    });
  });
}

type AppKeyList = Array<{ key: string; secret: string }>;
