import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../lib/config.js';
import { createServer } from '../../lib/server.js';
import { signChannel } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { basicAuth, eventually, request } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';

const ADMIN = { username: 'ops', password: 'correct horse battery staple' };
const GOOD = basicAuth(ADMIN.username, ADMIN.password);

/** Every admin URL, with the method it answers. */
const ADMIN_URLS: Array<[string, string]> = [
  ['GET', '/pushy/admin'],
  ['GET', '/pushy/admin/'],
  ['GET', '/pushy/admin/dashboard.js'],
  ['GET', '/pushy/admin/dashboard.css'],
  ['GET', '/pushy/admin/api/stats'],
  ['GET', '/pushy/admin/api/channels'],
  ['GET', '/pushy/admin/api/channels/news'],
  ['GET', '/pushy/admin/api/connections'],
  ['GET', '/pushy/admin/api/nodes'],
  ['POST', '/pushy/admin/api/trigger'],
  ['POST', '/pushy/admin/api/auth'],
  ['GET', '/pushy/admin/api/apps'],
  ['POST', '/pushy/admin/api/apps'],
  ['POST', '/pushy/admin/api/apps/shop/disable'],
  ['POST', '/pushy/admin/api/apps/shop/enable'],
  ['POST', '/pushy/admin/api/apps/shop/rotate'],
  ['DELETE', '/pushy/admin/api/apps/shop'],
];

function adminJson(srv: TestServer, path: string, body: unknown, auth = GOOD): ReturnType<typeof request> {
  return request(srv.url + path, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('e2e: admin API', () => {
  const clients: TestClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  describe('when admin is not configured', () => {
    let srv: TestServer;
    before(async () => {
      srv = await startServer();
    });
    after(async () => {
      await srv.close();
    });

    it('answers 404 for every admin URL, with or without credentials', async () => {
      for (const [method, path] of ADMIN_URLS) {
        const variants: Array<Record<string, string>> = [{}, { authorization: GOOD }, { authorization: basicAuth('', '') }];
        for (const headers of variants) {
          const answer = await request(srv.url + path, { method, headers });
          expect(answer.status, `${method} ${path}`).to.equal(404);
          expect(answer.body).to.deep.equal({ error: { code: '404', name: 'NOT_FOUND', message: 'Not found' } });
          expect(answer.headers.get('www-authenticate')).to.equal(null);
        }
      }
    });
  });

  it('refuses to start with only half a credential', async () => {
    for (const admin of [{ username: 'ops' }, { password: 'secret' }]) {
      const config = loadConfig({ env: {}, overrides: { port: 0, host: '127.0.0.1', logLevel: 'silent', admin } });
      let error: unknown;
      await createServer({ config }).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as Error).message).to.equal('admin.username and admin.password must be set together');
    }
  });

  describe('when admin is configured', () => {
    let srv: TestServer;
    before(async () => {
      // Many wrong credentials on purpose: no lockout here (admin-login-limit.test.ts tests it).
      srv = await startServer({ admin: { ...ADMIN, maxLoginFailures: 0 } });
    });
    after(async () => {
      await srv.close();
    });

    it('refuses missing, malformed and wrong credentials with 401 and a Basic challenge', async () => {
      const bad: Array<Record<string, string>> = [
        {},
        { authorization: 'Bearer abc' },
        { authorization: 'Basic !!!' },
        { authorization: 'Basic ' + Buffer.from('no-colon').toString('base64') },
        { authorization: basicAuth(ADMIN.username, 'wrong') },
        { authorization: basicAuth('someone', ADMIN.password) },
        { authorization: basicAuth(ADMIN.username, ADMIN.password + 'x') },
        { authorization: basicAuth(ADMIN.username.toUpperCase(), ADMIN.password) },
      ];
      for (const [method, path] of ADMIN_URLS) {
        for (const headers of bad) {
          const answer = await request(srv.url + path, { method, headers });
          expect(answer.status, `${method} ${path} ${JSON.stringify(headers)}`).to.equal(401);
          expect(answer.headers.get('www-authenticate')).to.equal('Basic realm="Pushy admin", charset="UTF-8"');
          expect(answer.body).to.deep.equal({ error: { code: '401', name: 'UNAUTHORIZED', message: 'Admin credentials required' } });
        }
      }
    });

    it('serves the dashboard page and its files with the right credentials', async () => {
      const page = await request(`${srv.url}/pushy/admin`, { headers: { authorization: GOOD } });
      expect(page.status).to.equal(200);
      expect(page.headers.get('content-type')).to.equal('text/html; charset=utf-8');
      expect(page.headers.get('content-security-policy')).to.include("default-src 'none'");
      // The debug console uses the browser client Pushy serves, not a hand-written protocol.
      expect(page.text).to.include('/pushy/admin/dashboard.js').and.include('<script src="/pushy/client.js"').and.not.include('sockjs.min.js');
      const script = await request(`${srv.url}/pushy/admin/dashboard.js`, { headers: { authorization: GOOD } });
      expect(script.status).to.equal(200);
      expect(script.headers.get('content-type')).to.match(/^application\/javascript/);
    });

    it('reports connections, channels with subscriber counts and presence members', async () => {
      const a = await TestClient.connect(srv.url, 'websocket');
      const b = await TestClient.connect(srv.url, 'xhr-polling');
      clients.push(a, b);
      await a.subscribe('news');
      await b.subscribe('news');
      const data = JSON.stringify({ id: 'u1', name: 'Ann' });
      const auth = signChannel({ socketId: b.socketId, channel: 'presence-lobby', presenceData: data, secretKey: srv.secret });
      expect((await b.subscribe('presence-lobby', { auth, data })).event).to.equal('pushy:subscription-success');
      const get = (path: string): ReturnType<typeof request> => request(srv.url + path, { headers: { authorization: GOOD } });

      const connections = await get('/pushy/admin/api/connections');
      expect(connections.status).to.equal(200);
      expect(connections.body.total).to.equal(2);
      expect(connections.body.byTransport).to.deep.equal({ websocket: 1, 'xhr-polling': 1 });

      const channels = await get('/pushy/admin/api/channels');
      expect(channels.body).to.deep.equal({
        total: 2,
        channels: [
          { name: 'news', kind: 'public', subscribers: 2 },
          { name: 'presence-lobby', kind: 'presence', subscribers: 1, members: 1 },
        ],
      });
      expect((await get('/pushy/admin/api/channels?prefix=PRES')).body.channels).to.have.length(1);
      expect((await get('/pushy/admin/api/channels?limit=0')).status).to.equal(400);

      const lobby = await get('/pushy/admin/api/channels/presence-lobby');
      expect(lobby.status).to.equal(200);
      expect(lobby.body).to.deep.include({ name: 'presence-lobby', kind: 'presence', subscribers: 1 });
      expect(lobby.body.members).to.have.length(1);
      expect(lobby.body.members[0]).to.deep.include({ id: 'u1', name: 'Ann', idle: false });
      expect((await get('/pushy/admin/api/channels/nothing-here')).status).to.equal(404);
      expect((await get('/pushy/admin/api/channels/bad%20name')).status).to.equal(400);

      const stats = await get('/pushy/admin/api/stats');
      expect(stats.body.node).to.deep.include({ self: true, subscriptions: 3, presenceMembers: 1 });
      expect(stats.body.node.nodeId).to.be.a('string').with.length.greaterThan(8);
      expect(stats.body.node.connections.total).to.equal(2);
      expect(stats.body.node.broker).to.deep.equal({ ready: true, state: 'ready' });
      expect(stats.body.sockjsPrefix).to.equal('/pushy/socket');
      expect(stats.body.history).to.be.an('array').with.length.greaterThan(0);

      // One node: the cluster totals are this node's.
      expect(stats.body.cluster).to.deep.equal({
        adapter: 'memory',
        nodes: 1,
        connections: 2,
        byTransport: { websocket: 1, 'xhr-polling': 1 },
        subscriptions: 3,
        channels: { total: 2, byKind: { public: 1, private: 0, presence: 1 } },
        presenceMembers: 1,
        events: stats.body.node.events,
      });

      // The memory adapter has no peers: the node list is this node alone.
      const nodes = await get('/pushy/admin/api/nodes');
      expect(nodes.body.adapter).to.equal('memory');
      expect(nodes.body).to.not.have.property('redis');
      expect(nodes.body.nodes).to.have.length(1);
      expect(nodes.body.nodes[0]).to.deep.include({ nodeId: stats.body.node.nodeId, self: true, pid: process.pid, subscriptions: 3 });
      expect(nodes.body.nodes[0].connections.total).to.equal(2);
      expect(nodes.body.nodes[0].host).to.be.a('string').and.not.equal('');

      await b.close();
      await eventually(async () => expect((await get('/pushy/admin/api/channels/presence-lobby')).status).to.equal(404));
    });

    it('triggers an event from the admin API to the channel subscribers', async () => {
      const a = await TestClient.connect(srv.url, 'websocket');
      clients.push(a);
      await a.subscribe('console-test');
      const sent = await adminJson(srv, '/pushy/admin/api/trigger', { channel: 'Console-Test', event: 'ping', data: { n: 1 } });
      expect(sent.status).to.equal(201);
      expect(sent.body).to.deep.equal({ status: { code: 201, message: 'Ok' }, nodes: 1 });
      expect(await a.next('ping')).to.deep.equal({ event: 'ping', channel: 'console-test', data: { n: 1 }, offset: 1 });
      const nobody = await adminJson(srv, '/pushy/admin/api/trigger', { channel: 'empty', event: 'ping' });
      expect(nobody.status).to.equal(200);
    });

    it('refuses bad trigger bodies clearly, and anything but JSON', async () => {
      const cases: Array<[unknown, string]> = [
        [{ event: 'x' }, 'channel'],
        [{ channel: 'a b', event: 'x' }, 'channel'],
        [{ channel: 'a', event: 'pushy:connect' }, 'reserved'],
        [{ channel: 'a' }, 'event'],
      ];
      for (const [body, mention] of cases) {
        const answer = await adminJson(srv, '/pushy/admin/api/trigger', body);
        expect(answer.status).to.equal(400);
        expect(answer.body.error.code).to.equal('400');
        expect(answer.body.error.message).to.include(mention);
      }
      const notJson = await request(`${srv.url}/pushy/admin/api/trigger`, {
        method: 'POST',
        headers: { authorization: GOOD, 'content-type': 'application/json' },
        body: '{nope',
      });
      expect(notJson.status).to.equal(400);
      // A form is what another site could post with the browser's cached credential.
      const form = await request(`${srv.url}/pushy/admin/api/trigger`, {
        method: 'POST',
        headers: { authorization: GOOD, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'channel=a&event=x',
      });
      expect(form.status).to.equal(415);
      expect((await request(`${srv.url}/pushy/admin/api/trigger`, { headers: { authorization: GOOD } })).status).to.equal(405);
    });

    it('signs private and presence subscriptions for the console', async () => {
      const client = await TestClient.connect(srv.url, 'websocket');
      clients.push(client);
      const signed = await adminJson(srv, '/pushy/admin/api/auth', { socketId: client.socketId, channel: 'private-orders' });
      expect(signed.status).to.equal(200);
      expect((await client.subscribe('private-orders', { auth: signed.body.auth })).event).to.equal('pushy:subscription-success');
      const data = JSON.stringify({ id: 'admin' });
      const presence = await adminJson(srv, '/pushy/admin/api/auth', { socketId: client.socketId, channel: 'presence-x', data });
      expect((await client.subscribe('presence-x', { auth: presence.body.auth, data })).event).to.equal('pushy:subscription-success');
      expect((await adminJson(srv, '/pushy/admin/api/auth', { channel: 'private-orders' })).status).to.equal(400);
    });

    it('refuses (400) to sign a socketId of another form than the server gives out, so no id can shift into the channel name', async () => {
      const client = await TestClient.connect(srv.url, 'websocket');
      clients.push(client);
      for (const socketId of [`${client.socketId}:private-admin`, 'x', client.socketId.toUpperCase()]) {
        const answer = await adminJson(srv, '/pushy/admin/api/auth', { socketId, channel: 'private-user-5' });
        expect(answer.status, socketId).to.equal(400);
        expect(answer.body.error.code).to.equal('400');
        expect(answer.text).not.to.match(/"auth"/);
      }
      const trigger = await adminJson(srv, '/pushy/admin/api/trigger', { channel: 'news', event: 'e', socketId: `${client.socketId}:x` });
      expect(trigger.status).to.equal(400);
    });

    it('keeps health, readiness and metrics open without credentials', async () => {
      expect((await request(`${srv.url}/pushy/health`)).status).to.equal(200);
      expect((await request(`${srv.url}/pushy/ready`)).status).to.equal(200);
      expect((await request(`${srv.url}/metrics`)).status).to.equal(200);
    });
  });
});
