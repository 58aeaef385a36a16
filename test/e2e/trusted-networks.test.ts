import { expect } from 'chai';
import { TestClient } from '../helpers/client.js';
import { runServer } from '../helpers/process.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { post, trigger } from '../helpers/trigger.js';

/** An unsigned trigger: no auth_* parameter, no timestamp. */
function unsigned(url: string, channel: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return fetch(`${url}/pushy/channel/${channel}/trigger?event=e`, { method: 'POST', body: '{"n":1}', headers: { 'content-type': 'application/json', ...headers } }).then(
    async (response) => ({ status: response.status, body: await response.json() }),
  );
}

describe('e2e: trusted networks (unsigned triggers)', () => {
  const servers: TestServer[] = [];
  const start = async (overrides: Parameters<typeof startServer>[0]): Promise<TestServer> => {
    const srv = await startServer(overrides);
    servers.push(srv);
    return srv;
  };
  after(async () => {
    await Promise.all(servers.map((srv) => srv.close()));
  });

  it('refuses unsigned triggers by default', async () => {
    const srv = await start({});
    const single = await unsigned(srv.url, 'x');
    expect(single.status).to.be.oneOf([400, 403]);
    const events = await post(`${srv.url}/pushy/events`, JSON.stringify({ name: 'e', channel: 'x' }));
    expect(events.status).to.equal(403);
  });

  it('accepts unsigned triggers from a trusted address, on all three trigger routes', async () => {
    const srv = await start({ trigger: { trustedNetworks: ['127.0.0.0/8'] } });
    const client = await TestClient.connect(srv.url);
    await client.subscribe('t');
    expect((await unsigned(srv.url, 't')).status).to.equal(201);
    await client.next('e', (f) => f.data.n === 1);
    expect((await post(`${srv.url}/pushy/events`, JSON.stringify({ name: 'm', channels: ['t'], data: 2 }))).status).to.equal(201);
    expect((await post(`${srv.url}/pushy/batch_events`, JSON.stringify({ batch: [{ name: 'b', channel: 't', data: 3 }] }))).status).to.equal(201);
    await client.next('m');
    await client.next('b');
    // A request that carries a signature is checked as usual, from anywhere.
    expect((await trigger(srv.url, 't', 'e', {}, { secret: 'wrong' })).status).to.equal(403);
    await client.close();
  });

  it('believes X-Forwarded-For only from a trusted proxy (trustProxy)', async () => {
    const direct = await start({ trigger: { trustedNetworks: ['10.0.0.0/8'] } });
    expect((await unsigned(direct.url, 'p', { 'x-forwarded-for': '10.1.2.3' })).status).to.be.oneOf([400, 403]);
    const proxied = await start({ trigger: { trustedNetworks: ['10.0.0.0/8'] }, trustProxy: ['127.0.0.1'] });
    expect((await unsigned(proxied.url, 'p', { 'x-forwarded-for': '10.1.2.3' })).status).to.equal(200);
    expect((await unsigned(proxied.url, 'p', { 'x-forwarded-for': '192.168.1.1' })).status).to.be.oneOf([400, 403]);
    expect((await unsigned(proxied.url, 'p', { 'x-forwarded-for': 'not-an-address' })).status).to.be.oneOf([400, 403]);
  });

  it('warns at start when set, naming the ranges', async () => {
    const proc = runServer([], { PUSHY_SECRET_KEY: 's3cret', PUSHY_TRIGGER_TRUSTED_NETWORKS: '10.0.0.0/8' });
    await proc.ready;
    proc.kill('SIGTERM');
    await proc.exited;
    expect(proc.stderr()).to.contain('trigger.trustedNetworks is set').and.to.contain('10.0.0.0/8');
  });
});
