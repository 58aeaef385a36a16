import { createHash, createHmac } from 'node:crypto';
import { expect } from 'chai';
import sinon from 'sinon';
import { toApp } from '../../lib/apps/app.js';
import { TestClient } from '../helpers/client.js';
import { sendApiRequest } from '../helpers/pusher-api.js';
import { startServer, TEST_SECRET, type TestServer } from '../helpers/server.js';

/** The app of the worked example in Pusher's docs (../shared/PUSHER.md B). */
const DOCS_APP = { id: '3', key: '278d425bdf160c739803', secret: '7ad3773142a6692b25b8' };

/** PHP's `json_encode` with its default flags: `/` escaped as `\/`, every non-ASCII character as `\uXXXX`. */
function phpJsonEncode(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * pusher/pusher-http-php `Pusher::build_auth_query_params` and `trigger`, step for step: the body
 * is `json_encode` of name, data (itself `json_encode`d) and channels; the parameters `auth_key`,
 * `auth_timestamp`, `auth_version` and `body_md5` are `ksort`ed and imploded as `k=v&...`
 * unescaped; the signature is `hash_hmac('sha256', "POST\n$path\n$query", $secret)`; Guzzle then
 * sends the parameters URL-encoded.
 */
function phpTrigger(app: { id: string; key: string; secret: string }, channels: string[], event: string, data: unknown, timestamp: number): { target: string; body: string } {
  const path = `/apps/${app.id}/events`;
  const body = phpJsonEncode({ name: event, data: phpJsonEncode(data), channels });
  const params: Record<string, string> = {
    auth_key: app.key,
    auth_timestamp: String(timestamp),
    auth_version: '1.0',
    body_md5: createHash('md5').update(body).digest('hex'),
  };
  const sorted = Object.keys(params).sort();
  const stringToSign = `POST\n${path}\n${sorted.map((k) => `${k}=${params[k]}`).join('&')}`;
  const query = new URLSearchParams({ ...params, auth_signature: createHmac('sha256', app.secret).update(stringToSign).digest('hex') });
  return { target: `${path}?${query.toString()}`, body };
}

describe('e2e: Pusher HTTP API, requests signed as the PHP SDK signs them', function () {
  this.timeout(20000);
  let srv: TestServer;
  const clients: TestClient[] = [];
  before(async () => {
    srv = await startServer({ apps: { list: [toApp(DOCS_APP)] } });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await srv.close();
  });

  it('accepts the worked example of the Pusher docs, once', async () => {
    // The example was signed at 1353088179: the server's clock is set there.
    const clock = sinon.useFakeTimers({ now: 1353088179 * 1000 + 500, toFake: ['Date'] });
    try {
      const body = '{"name":"foo","channels":["project-3"],"data":"{\\"some\\":\\"data\\"}"}';
      const target =
        '/apps/3/events?auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&body_md5=ec365a775a4cd0599faeb73354201b6f' +
        '&auth_signature=da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c';
      const answer = await sendApiRequest(srv.url + target, 'POST', body);
      expect([answer.status, answer.body]).to.deep.equal([200, {}]);
      expect((await sendApiRequest(srv.url + target, 'POST', body)).status).to.equal(409);
    } finally {
      clock.restore();
    }
  });

  it('accepts a trigger signed the PHP way and relays its json_encode text byte for byte', async () => {
    const client = await TestClient.connect(srv.url, 'websocket');
    clients.push(client);
    await client.subscribe('php-news');
    const app = { id: 'default', key: 'default', secret: TEST_SECRET };
    const { target, body } = phpTrigger(app, ['php-news'], 'App\\Events\\Posted', { text: 'café / ok' }, Math.floor(Date.now() / 1000));
    const answer = await sendApiRequest(srv.url + target, 'POST', body);
    expect([answer.status, answer.body]).to.deep.equal([200, {}]);
    const frame = await client.next('App\\Events\\Posted');
    expect(frame.data).to.equal('{"text":"caf\\u00e9 \\/ ok"}');
  });
});
