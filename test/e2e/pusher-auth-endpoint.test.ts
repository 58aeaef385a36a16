import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import PusherModule from 'pusher-js';
import type PusherClass from 'pusher-js/types/src/core/pusher.js';
import { nextEvent, pusherApps, pusherSdk, subscribed, PUSHER_APP, type Pusher } from '../helpers/pusher.js';
import { startServer, type TestServer } from '../helpers/server.js';

const PusherJs = PusherModule as unknown as typeof PusherClass.default;

/**
 * pusher-js authorizing through `channelAuthorization.endpoint` (its ajax transport, as a page
 * does), against an app backend that signs with the `pusher` SDK: the form pusher-js posts, the
 * JSON the backend answers, and Pushy checking the result.
 */
describe('Pusher endpoint: channel authorization through an auth endpoint', function () {
  this.timeout(20_000);
  let server: TestServer;
  let backend: http.Server;
  let backendUrl: string;
  let allow = true;
  const clients: Pusher[] = [];

  before(async () => {
    server = await startServer(pusherApps() as never);
    const sdk = pusherSdk(server);
    backend = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const socketId = form.get('socket_id') ?? '';
        const channel = form.get('channel_name') ?? '';
        if (!allow) {
          res.writeHead(403).end('forbidden');
          return;
        }
        const auth = channel.startsWith('presence-') ? sdk.authorizeChannel(socketId, channel, { user_id: 'ann', user_info: { name: 'Ann' } }) : sdk.authorizeChannel(socketId, channel);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(auth));
      });
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/pusher/auth`;
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
    allow = true;
  });
  after(async () => {
    await new Promise<void>((resolve) => backend.close(() => resolve()));
    await server.close();
  });

  const client = (): Pusher => {
    const { port } = new URL(server.url);
    const made = new PusherJs(PUSHER_APP.key, {
      cluster: 'mt1',
      wsHost: '127.0.0.1',
      wsPort: Number(port),
      forceTLS: false,
      enabledTransports: ['ws'],
      disableStats: true,
      channelAuthorization: { endpoint: backendUrl, transport: 'ajax' },
    });
    clients.push(made);
    return made;
  };

  it('subscribes to private and presence channels with what the endpoint signs, and receives', async () => {
    const pusher = client();
    await subscribed(pusher, 'private-orders');
    const members = (await subscribed(pusher, 'presence-room')) as { count: number; me: { id: string; info: unknown } };
    expect(members.count).to.equal(1);
    expect(members.me).to.deep.equal({ id: 'ann', info: { name: 'Ann' } });
    const received = nextEvent(pusher, 'private-orders', 'paid');
    await pusherSdk(server).trigger('private-orders', 'paid', { id: 7 });
    expect((await received).data).to.deep.equal({ id: 7 });
  });

  it('reports a refusal of the endpoint as pusher:subscription_error, and Pushy never subscribes', async () => {
    allow = false;
    const pusher = client();
    const error = await subscribed(pusher, 'private-secret').then(
      () => undefined,
      (failure: { detail?: { status?: number } }) => failure.detail,
    );
    expect(error?.status).to.equal(403);
    const info = (await (await pusherSdk(server).get({ path: '/channels/private-secret', params: { info: 'subscription_count' } })).json()) as { occupied: boolean };
    expect(info.occupied).to.equal(false);
  });
});
