import { expect } from 'chai';
import WebSocket from 'ws';
import { triggerUrl } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { RawWsClient } from '../helpers/raw-ws.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';
import { rawRequest } from '../helpers/xhr-session.js';

/** Status of a WebSocket upgrade: 101 when accepted, else the HTTP status it was refused with. */
function upgradeStatus(url: string, origin?: string, host?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { ...(origin ? { origin } : {}), ...(host ? { headers: { host } } : {}) });
    ws.on('open', () => {
      ws.terminate();
      resolve({ status: 101, body: '' });
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

describe('e2e: allowed origins', () => {
  let srv: TestServer;
  let wsBase: string;
  before(async () => {
    srv = await startServer({ sockjs: { allowedOrigins: ['https://app.example.com', 'https://*.example.org'] } });
    wsBase = srv.url.replace(/^http/, 'ws') + '/pushy/socket';
  });
  after(() => srv.close());

  it('refuses a WebSocket upgrade from another origin with 403, raw and framed', async () => {
    for (const path of ['/websocket', '/000/abcdef/websocket']) {
      const refused = await upgradeStatus(wsBase + path, 'https://evil.com');
      expect(refused.status).to.equal(403);
      expect(JSON.parse(refused.body)).to.deep.equal({ error: { code: '403', name: 'ORIGIN_NOT_ALLOWED', message: 'Origin not allowed' } });
      expect((await upgradeStatus(wsBase + path, 'https://example.org.evil.com')).status).to.equal(403);
    }
  });

  it('accepts listed origins, wildcard subdomains, same-origin and Origin-less clients', async () => {
    expect((await upgradeStatus(wsBase + '/websocket', 'https://app.example.com')).status).to.equal(101);
    expect((await upgradeStatus(wsBase + '/websocket', 'https://chat.example.org')).status).to.equal(101);
    expect((await upgradeStatus(wsBase + '/websocket', srv.url)).status).to.equal(101);
    const client = await RawWsClient.connect(srv.url, 'raw', { origin: 'https://app.example.com' });
    client.send({ command: 'subscribe', data: { channel: 'origins' } });
    await client.next('pushy:subscription-success');
    await trigger(srv.url, 'origins', 'hello', {}, { secret: srv.secret });
    await client.next('hello');
    await client.close();
    const sockjs = await TestClient.connect(srv.url, 'xhr-streaming');
    await sockjs.close();
  });

  it('refuses the HTTP transports from another origin with a 403 JSON error', async () => {
    for (const path of ['/info', '/123/abcdef/xhr', '/123/abcdef/xhr_streaming']) {
      const response = await fetch(srv.url + '/pushy/socket' + path, { method: path === '/info' ? 'GET' : 'POST', headers: { origin: 'https://evil.com' } });
      expect(response.status, path).to.equal(403);
      expect(await response.json()).to.deep.equal({ error: { code: '403', name: 'ORIGIN_NOT_ALLOWED', message: 'Origin not allowed' } });
    }
    const ok = await fetch(srv.url + '/pushy/socket/info', { headers: { origin: 'https://app.example.com' } });
    expect(ok.status).to.equal(200);
  });

  it('does not take a Host header the client chose for the server\'s own origin (HTTP and WebSocket)', async () => {
    // A page on a rebinding domain: its own name in Host and Origin.
    const spoofed = { origin: 'http://rebound.evil.com', host: 'rebound.evil.com' };
    const answer = await rawRequest(srv.url + '/pushy/socket/123/abcdef/xhr', { headers: spoofed });
    expect(answer.status).to.equal(403);
    expect(answer.headers['access-control-allow-origin']).to.equal(undefined);
    for (const path of ['/websocket', '/000/abcdef/websocket']) {
      expect((await upgradeStatus(wsBase + path, spoofed.origin, spoofed.host)).status, path).to.equal(403);
    }
  });

  it('answers CORS with credentials to allowed origins and the server\'s own only', async () => {
    for (const origin of ['https://app.example.com', 'https://chat.example.org', srv.url]) {
      const answer = await rawRequest(srv.url + '/pushy/socket/info', { method: 'GET', headers: { origin } });
      expect(answer.status, origin).to.equal(200);
      expect(answer.headers['access-control-allow-origin'], origin).to.equal(origin);
      expect(answer.headers['access-control-allow-credentials'], origin).to.equal('true');
    }
    const refused = await rawRequest(srv.url + '/pushy/socket/info', { method: 'GET', headers: { origin: 'https://evil.com' } });
    expect(refused.status).to.equal(403);
    expect(refused.headers['access-control-allow-origin']).to.equal(undefined);
    expect(refused.headers['access-control-allow-credentials']).to.equal(undefined);
    // No Origin (not a browser): no credentials granted to anyone.
    const plain = await rawRequest(srv.url + '/pushy/socket/info', { method: 'GET' });
    expect(plain.headers['access-control-allow-origin']).to.equal('*');
    expect(plain.headers['access-control-allow-credentials']).to.equal(undefined);
  });

  it('does not apply to the trigger endpoint (backends are checked by signature)', async () => {
    const url = triggerUrl({ baseUrl: srv.url, channel: 'origins-trigger', event: 'x', body: '{}', secretKey: srv.secret });
    const answer = await fetch(url, { method: 'POST', body: '{}', headers: { origin: 'https://evil.com', 'content-type': 'application/json' } });
    expect(answer.status).to.equal(200);
  });
});
