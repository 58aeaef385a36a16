import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { triggerUrl } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { RawWsClient } from '../helpers/raw-ws.js';
import { findExecutable, requireService } from '../helpers/services.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** A throw-away self-signed certificate for 127.0.0.1 and localhost, made with the openssl CLI. */
function makeCertificate(dir: string): { key: string; cert: string } {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: 'ignore' });
  return { key, cert };
}

/** A signed trigger over HTTPS, trusting only the test certificate. */
function secureTrigger(srv: TestServer, ca: Buffer, channel: string, event: string, data: unknown): Promise<{ status: number; body: unknown }> {
  const body = JSON.stringify(data);
  const url = triggerUrl({ baseUrl: srv.url, channel, event, body, secretKey: srv.secret });
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('e2e: TLS (ssl.key and ssl.cert)', () => {
  let dir: string;
  let srv: TestServer;
  let ca: Buffer;
  let previousCa: unknown;

  before(async function () {
    requireService(this, 'openssl', findExecutable('openssl') !== undefined);
    dir = mkdtempSync(path.join(tmpdir(), 'pushy-tls-'));
    const files = makeCertificate(dir);
    ca = readFileSync(files.cert);
    srv = await startServer({ ssl: files });
    // sockjs-client's Node XHR transports use the global HTTPS agent: trust the test certificate there.
    previousCa = https.globalAgent.options.ca;
    https.globalAgent.options.ca = ca;
  });
  after(async () => {
    if (ca) https.globalAgent.options.ca = previousCa as typeof https.globalAgent.options.ca;
    await srv?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves https and wss only', async () => {
    expect(srv.url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
    const plain = await fetch(srv.url.replace('https:', 'http:') + '/pushy/socket/info').then(
      () => 'answered',
      () => 'refused',
    );
    expect(plain).to.equal('refused');
  });

  it('delivers an event triggered over https to wss clients (raw and SockJS-framed) and to xhr transports over https', async () => {
    const raw = await RawWsClient.connect(srv.url, 'raw', { ca });
    const framed = await RawWsClient.connect(srv.url, 'framed', { ca });
    const streaming = await TestClient.connect(srv.url, 'xhr-streaming');
    const polling = await TestClient.connect(srv.url, 'xhr-polling');
    for (const client of [raw, framed]) {
      client.send({ command: 'subscribe', data: { channel: 'secure' } });
      await client.next('pushy:subscription-success');
    }
    for (const client of [streaming, polling]) expect((await client.subscribe('secure')).event).to.equal('pushy:subscription-success');

    const answer = await secureTrigger(srv, ca, 'secure', 'sealed', { secret: 'payload' });
    expect(answer).to.deep.equal({ status: 201, body: { status: { code: 201, message: 'Ok' } } });
    for (const client of [raw, framed, streaming, polling]) {
      const frame = await client.next('sealed');
      expect(frame).to.deep.equal({ event: 'sealed', channel: 'secure', data: { secret: 'payload' }, offset: 1 });
    }
    await Promise.all([raw.close(), framed.close(), streaming.close(), polling.close()]);
  });

  it('refuses a client that does not trust the certificate', async () => {
    const untrusting = RawWsClient.open(srv.url, 'raw');
    const closed = await untrusting.closed();
    expect(closed.code).to.equal(1006);
    expect(untrusting.events('pushy:connect')).to.have.length(0);
  });
});
