import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { authorizeChannel, channelAuthHandler, type ChannelAuthHandlerOptions } from '../../lib/native/auth-endpoint.js';
import { signChannel, signChannelV3 } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { post } from '../helpers/trigger.js';

/** A socket id of the form the server gives out. */
const SID = '00000000-0000-4000-8000-00000000000a';

describe('auth endpoint helper', () => {
  describe('authorizeChannel', () => {
    it('signs a private channel as signChannelV3 does (v3 by default), lowercasing the name', () => {
      expect(authorizeChannel({ socketId: SID, channel: 'Private-A', secretKey: 'k' })).to.deep.equal({
        auth: signChannelV3({ socketId: SID, channel: 'private-a', secretKey: 'k' }),
      });
      expect(authorizeChannel({ socketId: SID, channel: 'Private-A', secretKey: 'k' }).auth).to.match(/^v3:[0-9a-f]{64}$/);
    });

    it('signs the v2 way when asked, for a server that predates v3', () => {
      expect(authorizeChannel({ socketId: SID, channel: 'Private-A', secretKey: 'k', signatureVersion: 2 })).to.deep.equal({
        auth: signChannel({ socketId: SID, channel: 'private-a', secretKey: 'k' }),
      });
      expect(() => channelAuthHandler({ secretKey: 'k', authorize: () => true, signatureVersion: 4 as 3 })).to.throw(TypeError);
    });

    it('returns the presence data as the exact JSON text it signed', () => {
      const result = authorizeChannel({ socketId: SID, channel: 'presence-a', presenceData: { id: 'u1', name: 'Ann' }, secretKey: 'k' });
      expect(result.data).to.equal('{"id":"u1","name":"Ann"}');
      expect(result.auth).to.equal(signChannelV3({ socketId: SID, channel: 'presence-a', presenceData: result.data, secretKey: 'k' }));
      expect(authorizeChannel({ socketId: SID, channel: 'presence-a', presenceData: '{"id":1}', secretKey: 'k' }).data).to.equal('{"id":1}');
    });

    it('refuses a missing secret', () => {
      expect(() => authorizeChannel({ socketId: SID, channel: 'private-a', secretKey: '' })).to.throw(TypeError);
    });
  });

  describe('channelAuthHandler over real HTTP against a real Pushy server', () => {
    let pushy: TestServer;
    let backend: http.Server;
    let authUrl: string;
    let authorize: ChannelAuthHandlerOptions['authorize'];

    before(async () => {
      pushy = await startServer();
      const handler = channelAuthHandler({ secretKey: pushy.secret, authorize: (request) => authorize(request) });
      backend = http.createServer((req, res) => void handler(req, res));
      await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
      authUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/auth`;
    });
    after(async () => {
      await new Promise((resolve) => backend.close(resolve));
      await pushy.close();
    });

    it('answers a form request with a signature the server accepts (private channel)', async () => {
      authorize = ({ channel }) => channel === 'private-ok';
      const client = await TestClient.connect(pushy.url);
      const answer = await post(authUrl, new URLSearchParams({ channel: 'Private-OK', connection_id: client.socketId }).toString(), 'application/x-www-form-urlencoded');
      expect(answer.status).to.equal(200);
      expect(answer.body).to.have.keys(['auth']);
      expect((await client.subscribe('private-ok', { auth: answer.body.auth })).event).to.equal('pushy:subscription-success');
      await client.close();
    });

    it('answers a JSON request with presence data the server accepts and reports', async () => {
      authorize = () => ({ presence: { id: 'u7', name: 'Bo' } });
      const client = await TestClient.connect(pushy.url);
      const answer = await post(authUrl, JSON.stringify({ channel: 'presence-room', connection_id: client.socketId }));
      expect(answer.status).to.equal(200);
      const success = await client.subscribe('presence-room', answer.body);
      expect(success.event).to.equal('pushy:subscription-success');
      expect(success.data.presence[0]).to.include({ id: 'u7', name: 'Bo' });
      await client.close();
    });

    it('answers 403 when the app refuses, or when a presence channel gets no presence data', async () => {
      authorize = () => false;
      const refused = await post(authUrl, JSON.stringify({ channel: 'private-no', connection_id: SID }));
      expect(refused.status).to.equal(403);
      expect(refused.body.error.code).to.equal('403');
      authorize = () => true;
      const noData = await post(authUrl, JSON.stringify({ channel: 'presence-no', connection_id: SID }));
      expect(noData.status).to.equal(403);
    });

    it('answers 400 for a malformed request and keeps serving', async () => {
      authorize = () => true;
      for (const body of [`{"channel":"bad name!","connection_id":"${SID}"}`, '{"channel":"private-a"}', 'not json', '[]']) {
        const answer = await post(authUrl, body);
        expect(answer.status, body).to.equal(400);
        expect(answer.body.error.code).to.equal('400');
      }
    });

    it('refuses (400) to sign a connection_id of another form than the server gives out, so no id can shift into the channel name', async () => {
      // Allowed on private-user-5 only; the ':' trick would sign "<id>:private-admin:private-user-5".
      authorize = ({ channel }) => channel === 'private-user-5';
      const attacker = await TestClient.connect(pushy.url);
      const allowed = await post(authUrl, JSON.stringify({ channel: 'private-user-5', connection_id: attacker.socketId }));
      expect(allowed.status).to.equal(200);
      for (const connectionId of [`${attacker.socketId}:private-admin`, 'x', attacker.socketId.toUpperCase(), `${attacker.socketId} `, '']) {
        const answer = await post(authUrl, JSON.stringify({ channel: 'private-user-5', connection_id: connectionId }));
        expect(answer.status, connectionId).to.equal(400);
        expect(answer.body.error.code).to.equal('400');
      }
      await attacker.close();
    });

    it('answers 500 (and reports) when authorize throws, without a next()', async () => {
      const reported: unknown[] = [];
      const handler = channelAuthHandler({
        secretKey: 'k',
        authorize: () => {
          throw new Error('db down');
        },
        onError: (error) => reported.push(error),
      });
      const server = http.createServer((req, res) => void handler(req, res));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const answer = await post(url, JSON.stringify({ channel: 'private-a', connection_id: SID }));
      await new Promise((resolve) => server.close(resolve));
      expect(answer.status).to.equal(500);
      expect(reported).to.have.length(1);
    });

    it('uses a body already parsed by a framework and passes unexpected errors to next()', async () => {
      const handler = channelAuthHandler({
        secretKey: 'k',
        authorize: () => {
          throw new Error('boom');
        },
      });
      let passed: unknown;
      const res = { headersSent: false } as unknown as http.ServerResponse;
      const req = { body: { channel: 'private-a', connection_id: SID }, headers: {} } as unknown as http.IncomingMessage & { body: unknown };
      await handler(req, res, (error) => (passed = error));
      expect(passed).to.be.instanceOf(Error).with.property('message', 'boom');
    });
  });
});
