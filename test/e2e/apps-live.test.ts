import { expect } from 'chai';
import sinon from 'sinon';
import type { DeepPartial, PushyConfig } from '../../lib/config.js';
import { TestClient } from '../helpers/client.js';
import { ConfigError, loadConfig } from '../../lib/config.js';
import { createServer } from '../../lib/server.js';
import { basicAuth, eventually, request, type HttpAnswer } from '../helpers/http.js';
import { findPostgres, TestDatabase } from '../helpers/postgres.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { requireService } from '../helpers/services.js';
import { triggerV3 } from '../helpers/trigger.js';
import { waitUntil } from '../helpers/wait.js';

const ADMIN = { username: 'ops', password: 'correct horse battery staple' };
const AUTH = basicAuth(ADMIN.username, ADMIN.password);

/**
 * Live app management on two nodes sharing a real PostgreSQL store: an app created through the
 * admin API of node A serves sockets and triggers on node B within a second; disabling it closes
 * its sockets on both nodes; a rotation keeps the old secret until its expiry, then refuses it.
 */
describe('e2e: apps managed live in PostgreSQL, on two nodes', function () {
  this.timeout(20000);
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  const open: TestClient[] = [];

  const admin = (srv: TestServer, method: string, path: string, body?: unknown): Promise<HttpAnswer> =>
    request(srv.url + path, {
      method,
      headers: { authorization: AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const connect = async (srv: TestServer, key: string): Promise<TestClient> => {
    const client = await TestClient.connect(srv.url, 'websocket', `/pushy/app/${key}/socket`);
    open.push(client);
    return client;
  };

  before(async function () {
    const found = await findPostgres();
    requireService(this, 'PostgreSQL on 127.0.0.1:5432', found !== undefined, 'is not reachable');
    db = await TestDatabase.create(found!);
    const overrides = { admin: ADMIN, apps: { store: { type: 'postgres', url: db.url } } } as unknown as DeepPartial<PushyConfig>;
    a = await startServer(overrides);
    b = await startServer(overrides);
  });
  afterEach(async () => {
    sinon.restore();
    await Promise.all(open.splice(0).map((client) => client.close()));
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('serves an app created on node A on node B within a second, and lists it with its counts', async () => {
    const created = await admin(a, 'POST', '/pushy/admin/api/apps', { id: 'shop', name: 'Shop' });
    expect(created.status, created.text).to.equal(201);
    const { key, secret } = created.body as { key: string; secret: string };
    expect(key).to.be.a('string');
    expect(secret).to.be.a('string');

    await waitUntil(() => b.server.apps.getByKey(key) !== undefined, 1000, 'node B to see the new app');
    const client = await connect(b, key);
    await client.subscribe('orders');
    expect((await triggerV3(b.url, 'orders', 'placed', { n: 1 }, { secret, app: 'shop' })).status).to.equal(201);
    await client.next('placed');

    const listed = await admin(b, 'GET', '/pushy/admin/api/apps');
    expect(listed.status).to.equal(200);
    const shop = (listed.body as { apps: Array<Record<string, unknown>> }).apps.find((app) => app.id === 'shop')!;
    expect(shop).to.include({ name: 'Shop', enabled: true, connections: 1, messages: 1 });
    // Secrets are shown once, at creation: never in the list.
    expect(listed.text).not.to.contain(secret);
  });

  it('closes the sockets of a disabled app on both nodes, refuses new ones, and lets them in again once enabled', async () => {
    const created = await admin(a, 'POST', '/pushy/admin/api/apps', { id: 'blog' });
    const { key, secret } = created.body as { key: string; secret: string };
    await waitUntil(() => b.server.apps.getByKey(key) !== undefined, 1000, 'node B to see the new app');
    const onA = await connect(a, key);
    const onB = await connect(b, key);
    const other = await connect(b, (await admin(a, 'POST', '/pushy/admin/api/apps', { id: 'other' })).body.key as string);

    expect((await admin(a, 'POST', '/pushy/admin/api/apps/blog/disable')).status).to.equal(200);
    await Promise.all([onA.waitClosed(), onB.waitClosed()]);
    expect(onA.closeEvent).to.deep.equal({ code: 4403, reason: 'App is disabled' });
    expect(onB.closeEvent).to.deep.equal({ code: 4403, reason: 'App is disabled' });
    expect(other.closed).to.equal(false);
    const refused = await triggerV3(b.url, 'x', 'e', {}, { secret, app: 'blog' });
    expect([refused.status, refused.body.error.name]).to.deep.equal([403, 'APP_DISABLED']);

    expect((await admin(b, 'POST', '/pushy/admin/api/apps/blog/enable')).status).to.equal(200);
    await waitUntil(() => a.server.apps.get('blog')?.enabled === true, 1000, 'node A to see the app enabled');
    await connect(a, key);
  });

  it('keeps the old secret valid after a rotation until it expires, then refuses it', async () => {
    const created = await admin(a, 'POST', '/pushy/admin/api/apps', { id: 'rotating' });
    const old = created.body as { key: string; secret: string };
    const rotated = await admin(a, 'POST', '/pushy/admin/api/apps/rotating/rotate', { graceSeconds: 60 });
    expect(rotated.status, rotated.text).to.equal(200);
    const fresh = rotated.body as { key: string; secret: string; previousExpireAt: string };
    expect(fresh.secret).not.to.equal(old.secret);
    await waitUntil(() => b.server.apps.getByKey(fresh.key) !== undefined, 1000, 'node B to see the rotation');

    for (const secret of [old.secret, fresh.secret]) expect((await triggerV3(b.url, 'x', 'e', {}, { secret, app: 'rotating' })).status).to.equal(200);
    await connect(b, old.key);

    // Past the grace period (the clock moved, not waited for): the old pair is refused.
    sinon.useFakeTimers({ now: Date.parse(fresh.previousExpireAt) + 1000, toFake: ['Date'] });
    const stale = await triggerV3(b.url, 'x', 'e', {}, { secret: old.secret, app: 'rotating' });
    expect([stale.status, stale.body.error.name]).to.deep.equal([403, 'INVALID_CREDENTIALS']);
    expect((await triggerV3(b.url, 'x', 'e', {}, { secret: fresh.secret, app: 'rotating' })).status).to.equal(200);
  });

  it('deletes an app: its sockets close, its triggers get 404', async () => {
    const created = await admin(a, 'POST', '/pushy/admin/api/apps', { id: 'gone' });
    const { key, secret } = created.body as { key: string; secret: string };
    await waitUntil(() => b.server.apps.getByKey(key) !== undefined, 1000, 'node B to see the new app');
    const client = await connect(b, key);
    expect((await admin(a, 'DELETE', '/pushy/admin/api/apps/gone')).status).to.equal(200);
    await client.waitClosed();
    expect(client.closeEvent?.code).to.equal(4404);
    const refused = await triggerV3(b.url, 'x', 'e', {}, { secret, app: 'gone' });
    expect([refused.status, refused.body.error.name]).to.deep.equal([404, 'APP_NOT_FOUND']);
  });

  it('closes the PostgreSQL store again when the server cannot be built (no connection left behind)', async () => {
    const storeConnections = async (): Promise<number> => {
      const rows = await db.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pushy-apps'`);
      return Number(rows[0]!.n);
    };
    const before = await storeConnections();
    // Half an admin credential is refused after the store opened.
    const config = loadConfig({ env: {}, overrides: { port: 0, logLevel: 'silent', admin: { username: 'ops' }, apps: { store: { type: 'postgres', url: db.url } } } as never });
    let refused: unknown;
    await createServer({ config }).catch((error: unknown) => (refused = error));
    expect(refused).to.be.instanceOf(ConfigError);
    await eventually(async () => expect(await storeConnections()).to.equal(before));
  });

  it('refuses bad admin input with a clear error and the default app with 409', async () => {
    const bad = await admin(a, 'POST', '/pushy/admin/api/apps', { id: 'bad id!' });
    expect([bad.status, bad.body.error.name]).to.deep.equal([400, 'INVALID_APP']);
    const duplicate = await admin(a, 'POST', '/pushy/admin/api/apps', { id: 'shop' });
    expect([duplicate.status, duplicate.body.error.name]).to.deep.equal([409, 'APP_ID_TAKEN']);
    const unknown = await admin(a, 'POST', '/pushy/admin/api/apps/nobody/disable');
    expect([unknown.status, unknown.body.error.name]).to.deep.equal([404, 'APP_NOT_FOUND']);
    const defaultApp = await admin(a, 'DELETE', '/pushy/admin/api/apps/default');
    expect([defaultApp.status, defaultApp.body.error.name]).to.deep.equal([409, 'APPS_READ_ONLY']);
    const unauthenticated = await request(a.url + '/pushy/admin/api/apps');
    expect(unauthenticated.status).to.equal(401);
  });
});
