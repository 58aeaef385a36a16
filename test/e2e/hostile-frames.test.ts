import { expect } from 'chai';
import { NODE_TRANSPORTS, TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

/** Each hostile frame with the error code it must get. */
const HOSTILE: Array<{ name: string; frame: string; code: string }> = [
  { name: 'not JSON', frame: '{"command": subscribe', code: '100' },
  { name: 'an array', frame: '["subscribe", {"channel": "a"}]', code: '100' },
  { name: 'a string', frame: '"subscribe"', code: '100' },
  { name: 'null', frame: 'null', code: '100' },
  { name: 'no command', frame: '{"data": {"channel": "a"}}', code: '100' },
  { name: 'a numeric command', frame: '{"command": 42}', code: '100' },
  { name: 'an object command', frame: '{"command": {"toString": 1}}', code: '100' },
  { name: 'subscribe without data', frame: '{"command": "subscribe"}', code: '300' },
  { name: 'subscribe with data null', frame: '{"command": "subscribe", "data": null}', code: '300' },
  { name: 'a numeric channel', frame: '{"command": "subscribe", "data": {"channel": 5}}', code: '300' },
  { name: 'channel __proto__', frame: '{"command": "subscribe", "data": {"channel": "__proto__"}}', code: '300' },
  { name: 'channel constructor', frame: '{"command": "subscribe", "data": {"channel": "constructor"}}', code: '300' },
  { name: 'channel . (a path segment)', frame: '{"command": "subscribe", "data": {"channel": "."}}', code: '300' },
  { name: 'channel .. (a path segment)', frame: '{"command": "subscribe", "data": {"channel": ".."}}', code: '300' },
  { name: 'unsubscribe from channel ..', frame: '{"command": "unsubscribe", "data": {"channel": ".."}}', code: '300' },
  { name: 'a 10 kB channel name', frame: JSON.stringify({ command: 'subscribe', data: { channel: 'x'.repeat(10_000) } }), code: '300' },
  { name: 'a channel with spaces', frame: '{"command": "subscribe", "data": {"channel": "a b"}}', code: '300' },
  { name: 'a numeric auth', frame: '{"command": "subscribe", "data": {"channel": "private-a", "auth": 12}}', code: '400' },
  { name: 'unsubscribe without data', frame: '{"command": "unsubscribe"}', code: '300' },
  { name: 'unsubscribe from a channel nobody has', frame: '{"command": "unsubscribe", "data": {"channel": "ghost"}}', code: '404' },
  { name: 'an unknown command', frame: '{"command": "launch-missiles"}', code: '200' },
  { name: 'command __proto__', frame: '{"command": "__proto__"}', code: '200' },
  { name: 'a 1 MB frame', frame: JSON.stringify({ command: 'subscribe', data: { channel: 'a', pad: 'x'.repeat(1024 * 1024) } }), code: '413' },
];

describe('e2e: hostile frames', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.close();
  });

  for (const transport of NODE_TRANSPORTS) {
    it(`answers every hostile frame with the right code and keeps the ${transport} connection working`, async () => {
      const client = await TestClient.connect(srv.url, transport);
      for (const { name, frame, code } of HOSTILE) {
        const since = client.frames.length;
        client.sendRaw(frame);
        const error = await client.next('pushy:error', () => true, 8000, since);
        expect(error.data.code, name).to.equal(code);
        expect(error.data.message, name).to.be.a('string').and.not.equal('');
      }
      const ok = await client.subscribe(`after-${transport}`);
      expect(ok.event).to.equal('pushy:subscription-success');
      await trigger(srv.url, `after-${transport}`, 'still-alive', { ok: true }, { secret: srv.secret });
      expect((await client.next('still-alive')).data).to.deep.equal({ ok: true });
      await client.close();
    });
  }

  it('answers 403 when unsubscribing from a channel others have', async () => {
    const a = await TestClient.connect(srv.url, 'websocket');
    const b = await TestClient.connect(srv.url, 'websocket');
    await a.subscribe('shared');
    const since = b.frames.length;
    b.command('unsubscribe', { channel: 'shared' });
    expect((await b.next('pushy:error', () => true, 5000, since)).data.code).to.equal('403');
    await Promise.all([a.close(), b.close()]);
  });

  it('echoes a frame id in replies and errors', async () => {
    const client = await TestClient.connect(srv.url, 'websocket');
    client.command('subscribe', { channel: 'with-id' }, 'req-1');
    const reply = await client.next('pushy:reply');
    expect(reply.data).to.deep.include({ id: 'req-1' });
    expect(reply.data.result).to.include({ channel: 'with-id', subscribed: true });
    client.command('nope', {}, 7);
    const error = await client.next('pushy:error');
    expect(error.data).to.deep.equal({ message: 'Unknown command "nope"', code: '200', name: 'UNKNOWN_COMMAND', id: 7 });
    await client.close();
  });
});
