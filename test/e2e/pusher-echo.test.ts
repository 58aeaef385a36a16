import { expect } from 'chai';
import Echo from 'laravel-echo';
import { pusherApps, pusherClient, PUSHER_APP, type Pusher } from '../helpers/pusher.js';
import { startServer, type TestServer } from '../helpers/server.js';

describe('Pusher endpoint: Laravel Echo 2', function () {
  this.timeout(15_000);
  let server: TestServer;
  const echoes: Array<{ disconnect(): void }> = [];

  /** Echo with `broadcaster: 'pusher'` over an unmodified pusher-js client of the test server. */
  const echo = (options: Parameters<typeof pusherClient>[1] = {}): Echo<'pusher'> => {
    const client: Pusher = pusherClient(server, options);
    const made = new Echo({ broadcaster: 'pusher', key: PUSHER_APP.key, client: client as never });
    echoes.push(made);
    return made;
  };

  before(async () => {
    server = await startServer(pusherApps({ enableClientEvents: true }) as never);
  });
  afterEach(() => {
    for (const made of echoes.splice(0)) made.disconnect();
  });
  after(() => server.close());

  it('listens to a Laravel event on a public channel', async () => {
    const a = echo();
    const subscribed = new Promise<void>((resolve) => a.channel('orders').subscribed(() => resolve()));
    await subscribed;
    const shipped = new Promise<unknown>((resolve) => a.channel('orders').listen('OrderShipped', resolve));
    await server.server.channels.publish({ type: 'event', app: PUSHER_APP.id, channel: 'orders', event: 'App\\Events\\OrderShipped', data: '{"id":5}' });
    expect(await shipped).to.deep.equal({ id: 5 });
  });

  it('joins a presence channel (here, joining, leaving) and whispers on it', async () => {
    const a = echo({ user: { user_id: '1', user_info: { name: 'Ann' } } });
    const here = await new Promise<unknown[]>((resolve) => a.join('room').here(resolve));
    expect(here).to.deep.equal([{ name: 'Ann' }]);
    const joining = new Promise<unknown>((resolve) => a.join('room').joining(resolve));
    const b = echo({ user: { user_id: '2', user_info: { name: 'Bob' } } });
    await new Promise<unknown[]>((resolve) => b.join('room').here(resolve));
    expect(await joining).to.deep.equal({ name: 'Bob' });
    const whisper = new Promise<unknown>((resolve) => a.join('room').listenForWhisper('typing', resolve));
    b.join('room').whisper('typing', { name: 'Bob' });
    expect(await whisper).to.deep.equal({ name: 'Bob' });
    const leaving = new Promise<unknown>((resolve) => a.join('room').leaving(resolve));
    b.leave('room');
    expect(await leaving).to.deep.equal({ name: 'Bob' });
  });

  it('reports a refused private channel through .error()', async () => {
    const a = echo({ badSecret: true });
    const error = await new Promise<{ status?: number; type?: string }>((resolve) => a.private('secret').error(resolve));
    expect(error).to.deep.include({ type: 'AuthError', status: 401 });
  });
});
