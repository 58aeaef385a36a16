import { expect } from 'chai';
import sinon from 'sinon';
import WebSocket from 'ws';
import { PUSHER_APP } from '../helpers/pusher.js';
import { RawPusherClient } from '../helpers/pusher-raw.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { pusherAuth } from '../../lib/pusher/signatures.js';

describe('Pusher endpoint: activity and sign-in clocks (fake timers)', function () {
  this.timeout(15_000);
  let server: TestServer;
  let clock: sinon.SinonFakeTimers;
  const raws: RawPusherClient[] = [];

  beforeEach(async () => {
    // Faked before the server starts, so its activity check runs on this clock; real time still
    // passes (sockets need it), and tick() jumps ahead.
    clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], shouldAdvanceTime: true });
    server = await startServer({ apps: [{ ...PUSHER_APP, id: 'app1' }, { id: 'signed', key: 'signed-key', secret: 'signed-secret', enableUserAuthentication: true }] } as never);
  });
  afterEach(async () => {
    for (const raw of raws.splice(0)) raw.close();
    clock.restore();
    await server.close();
  });

  it('pings a silent client after activity_timeout and closes it with 4201 when no pong comes', async () => {
    // autoPong off: the client answers neither pusher:ping nor WebSocket pings.
    const client = new RawPusherClient(new WebSocket(`${server.url.replace('http', 'ws')}/app/${PUSHER_APP.key}?protocol=7`, { autoPong: false }));
    raws.push(client);
    await client.next('pusher:connection_established');
    await clock.tickAsync(120_000);
    await client.next('pusher:ping');
    await clock.tickAsync(30_000);
    expect((await client.whenClosed()).code).to.equal(4201);
  });

  it('keeps a client that answers the ping', async () => {
    const { client } = await RawPusherClient.connect(server.url, PUSHER_APP.key);
    raws.push(client);
    await clock.tickAsync(120_000);
    await client.next('pusher:ping');
    client.send({ event: 'pusher:pong', data: {} });
    client.send({ event: 'pusher:ping', data: {} });
    await client.next('pusher:pong');
    await clock.tickAsync(30_000);
    client.send({ event: 'pusher:ping', data: {} });
    await client.next('pusher:pong');
    expect(client.closeEvent).to.equal(undefined);
  });

  it('closes a socket of an app with enableUserAuthentication that does not sign in within 30 s (4009), and keeps one that does', async () => {
    const { client: unsigned } = await RawPusherClient.connect(server.url, 'signed-key');
    const { client: signed, socketId } = await RawPusherClient.connect(server.url, 'signed-key');
    raws.push(unsigned, signed);
    const userData = JSON.stringify({ id: 'u1' });
    signed.send({ event: 'pusher:signin', data: { auth: pusherAuth('signed-key', 'signed-secret', `${socketId}::user::${userData}`), user_data: userData } });
    await signed.next('pusher:signin_success');
    await clock.tickAsync(30_000);
    expect((await unsigned.whenClosed()).code).to.equal(4009);
    signed.send({ event: 'pusher:ping', data: {} });
    await signed.next('pusher:pong');
    expect(signed.closeEvent).to.equal(undefined);
  });
});
