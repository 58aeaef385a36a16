import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { TestClient } from '../helpers/client.js';
import { getJson, historyUrl } from '../helpers/history.js';
import { basicAuth, request } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

const ADMIN = { username: 'ops', password: 'policy test password' };

/** A commands folder with one command that publishes whatever channel and event it is given. */
function publishCommandFolder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pushy-policy-'));
  writeFileSync(
    path.join(dir, 'publish.mjs'),
    `export default { name: 'publish', async handle(ctx, data) { return { nodes: await ctx.publish(data.channel, data.event, { n: 1 }) }; } };\n`,
  );
  return dir;
}

describe('e2e: one channel policy on every way in', () => {
  let srv: TestServer;
  let client: TestClient;
  before(async () => {
    srv = await startServer({ limits: { maxChannelNameLength: 10 }, admin: ADMIN, commandsDir: publishCommandFolder() });
    client = await TestClient.connect(srv.url, 'websocket');
  });
  after(async () => {
    await client.close();
    await srv.close();
  });

  const adminTrigger = (body: unknown) =>
    request(`${srv.url}/pushy/admin/api/trigger`, {
      method: 'POST',
      headers: { authorization: basicAuth(ADMIN.username, ADMIN.password), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('refuses a channel name over limits.maxChannelNameLength on subscribe, trigger, history, the admin trigger and a command\'s publish', async () => {
    expect((await client.subscribe('elevenchars')).data).to.include({ code: '300' });
    expect((await trigger(srv.url, 'elevenchars', 'x', {}, { secret: srv.secret })).status).to.equal(400);
    expect((await getJson(historyUrl({ baseUrl: srv.url, channel: 'elevenchars', secret: srv.secret }))).status).to.equal(400);

    const admin = await adminTrigger({ channel: 'elevenchars', event: 'x' });
    expect(admin.status).to.equal(400);
    expect(admin.body.error.message).to.equal('Invalid body: channel: longer than 10 characters');

    client.command('publish', { channel: 'elevenchars', event: 'x' }, 'p1');
    const refused = await client.next('pushy:error', (f) => f.data.id === 'p1');
    expect(refused.data).to.include({ code: '300', message: 'Channel name longer than 10 characters' });

    // Within the limit, every way works.
    expect((await client.subscribe('tenchars10')).event).to.equal('pushy:subscription-success');
    expect((await adminTrigger({ channel: 'tenchars10', event: 'x' })).status).to.equal(201);
    client.command('publish', { channel: 'tenchars10', event: 'y' }, 'p2');
    expect((await client.next('pushy:reply', (f) => f.data.id === 'p2')).data.result).to.deep.equal({ nodes: 1 });
  });

  it('refuses the server\'s own event names from a command\'s publish, as from the trigger and the admin trigger', async () => {
    expect((await client.subscribe('spoofed')).event).to.equal('pushy:subscription-success');
    client.command('publish', { channel: 'spoofed', event: 'pushy:presence-add' }, 'p3');
    const refused = await client.next('pushy:error', (f) => f.data.id === 'p3');
    expect(refused.data).to.include({ code: '400' });
    expect(refused.data.message).to.match(/reserved/);
    client.command('publish', { channel: 'spoofed', event: 'x'.repeat(201) }, 'p4');
    expect((await client.next('pushy:error', (f) => f.data.id === 'p4')).data).to.include({ code: '400' });
    expect((await trigger(srv.url, 'spoofed', 'pushy:presence-add', {}, { secret: srv.secret })).status).to.equal(400);
    expect((await adminTrigger({ channel: 'spoofed', event: 'pushy:presence-add' })).status).to.equal(400);
    expect(client.events('pushy:presence-add')).to.deep.equal([]);
  });
});
