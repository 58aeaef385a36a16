import { expect } from 'chai';
import { signChannel, signTrigger } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { configFile } from '../helpers/config-file.js';
import { runCommand } from '../helpers/process.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { post } from '../helpers/trigger.js';

/** `name: value` lines into an object. */
function fields(stdout: string): Record<string, string> {
  return Object.fromEntries(stdout.trimEnd().split('\n').map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)]));
}

describe('e2e: pushy-server sign', function () {
  this.timeout(30_000);
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(() => srv.close());

  const sign = (args: string[], env: Record<string, string> = { PUSHY_SECRET_KEY: srv.secret }) => runCommand(['sign', ...args], { env });

  it('sign trigger prints the auth_key of the signing module and a URL the server accepts', async () => {
    const client = await TestClient.connect(srv.url, 'websocket');
    await client.subscribe('orders');
    const result = await sign(['trigger', 'Orders', 'created', '{"id":42}', '--url', srv.url]);
    expect(result.code, result.stderr).to.equal(0);
    const out = fields(result.stdout);
    expect(Object.keys(out)).to.deep.equal(['auth_key', 'timestamp', 'body', 'url']);
    expect(out.body).to.equal('{"id":42}');
    expect(out.auth_key).to.equal(signTrigger({ channel: 'orders', event: 'created', timestamp: out.timestamp!, body: '{"id":42}', secretKey: srv.secret }));
    expect(out.url).to.equal(`${srv.url}/pushy/channel/orders/trigger?event=created&timestamp=${out.timestamp}&auth_key=${out.auth_key}`);
    expect((await post(out.url!, out.body!)).status).to.equal(201);
    expect((await client.next('created')).data).to.deep.equal({ id: 42 });
    await client.close();
  });

  it('sign trigger: --timestamp and --socket-id are signed into the URL; no data signs as {}', async () => {
    const result = await sign(['trigger', 'room', 'ping', '-t', '1700000000', '--socket-id', 'abc.1', '-u', 'https://push.example.com/ignored/path']);
    const out = fields(result.stdout);
    expect(out).to.deep.equal({
      auth_key: signTrigger({ channel: 'room', event: 'ping', timestamp: 1700000000, body: '{}', secretKey: srv.secret }),
      timestamp: '1700000000',
      body: '',
      url: `https://push.example.com/pushy/channel/room/trigger?event=ping&timestamp=1700000000&auth_key=${out.auth_key}&socket_id=abc.1`,
    });
  });

  it('sign trigger: without --url, the configured host and port (0.0.0.0 seen as 127.0.0.1, https with ssl)', async () => {
    const result = await runCommand(['sign', 'trigger', 'room', 'ping', '--config', configFile({ port: 8999, secretKey: 'from-file' })]);
    expect(fields(result.stdout).url).to.match(/^http:\/\/127\.0\.0\.1:8999\/pushy\/channel\/room\/trigger\?/);
    expect(fields(result.stdout).auth_key).to.have.length(64);
    const viaHost = await runCommand(['sign', 'trigger', 'room', 'ping'], { env: { PUSHY_SECRET_KEY: 'x', PUSHY_HOST: '::1', PUSHY_PORT: '8998' } });
    expect(fields(viaHost.stdout).url).to.match(/^http:\/\/\[::1\]:8998\//);
    const tls = await runCommand(['sign', 'trigger', 'room', 'ping'], { env: { PUSHY_SECRET_KEY: 'x', PUSHY_PORT: '8443', PUSHY_SSL_KEY: '/k.pem', PUSHY_SSL_CERT: '/c.pem' } });
    expect(fields(tls.stdout).url).to.match(/^https:\/\/127\.0\.0\.1:8443\//);
  });

  it('sign channel prints the auth with which a client subscribes to a private channel', async () => {
    const client = await TestClient.connect(srv.url, 'websocket');
    const result = await sign(['channel', client.socketId, 'private-Orders']);
    expect(result.code, result.stderr).to.equal(0);
    const { auth } = fields(result.stdout);
    expect(auth).to.equal(signChannel({ socketId: client.socketId, channel: 'private-orders', secretKey: srv.secret }));
    expect((await client.subscribe('private-orders', { auth })).event).to.equal('pushy:subscription-success');
    await client.close();
  });

  it('sign channel signs presence data as given, and the client joins the presence channel with it', async () => {
    const client = await TestClient.connect(srv.url, 'websocket');
    const data = '{"id":"u1","name":"Ann"}';
    const { auth } = fields((await sign(['channel', client.socketId, 'presence-room', data])).stdout);
    expect((await client.subscribe('presence-room', { auth, data })).event).to.equal('pushy:subscription-success');
    await client.close();
  });

  it('without a secret (none in file or environment) exits 1, saying where to put it', async () => {
    const result = await sign(['trigger', 'room', 'ping'], {});
    expect(result.code).to.equal(1);
    expect(result.stdout).to.equal('');
    expect(result.stderr).to.equal("pushy-server: secretKey is not set: give the server's secret in the config file (--config) or in PUSHY_SECRET_KEY\n");
  });

  for (const [what, args, message] of [
    ['nothing to sign', [], /sign what\? "sign trigger \.\.\." or "sign channel \.\.\."/],
    ['an unknown kind', ['webhook'], /cannot sign "webhook": "trigger" or "channel"/],
    ['a missing event', ['trigger', 'room'], /missing argument <event>/],
    ['an invalid channel name', ['trigger', 'no spaces', 'ev'], /<channel>: invalid channel name/],
    ['a reserved event', ['trigger', 'room', 'pushy:connect'], /<event>: Event names starting with "pushy:" are reserved/],
    ['data that is not JSON', ['trigger', 'room', 'ev', '{oops'], /<data>: must be JSON/],
    ['an extra argument', ['trigger', 'room', 'ev', '{}', 'more'], /too many arguments: "more"/],
    ['a bad timestamp', ['trigger', 'room', 'ev', '-t', 'yesterday'], /--timestamp: must be unix seconds/],
    ['a bad --url', ['trigger', 'room', 'ev', '--url', 'ftp://x'], /--url: must be an http or https URL/],
    ['a missing socket id', ['channel'], /missing argument <socket-id>/],
    ['presence data that is not JSON', ['channel', '1.2', 'presence-x', 'ann'], /<presence-data>: must be JSON/],
    ['--url for a channel', ['channel', '1.2', 'private-x', '--url', 'http://x'], /sign channel takes the socket id as an argument/],
  ] as const) {
    it(`refuses ${what} with exit 2 and a hint`, async () => {
      const result = await sign([...args]);
      expect(result.code, result.stderr).to.equal(2);
      expect(result.stdout).to.equal('');
      const [line, hint] = result.stderr.trimEnd().split('\n');
      expect(line).to.match(message);
      expect(hint).to.equal('Run "pushy-server sign --help" for usage.');
    });
  }
});
