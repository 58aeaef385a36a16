import { request } from 'node:http';
import type { Socket } from 'node:net';
import { expect } from 'chai';
import { CLOSES } from '../../lib/errors.js';
import { createLogger } from '../../lib/logger.js';
import { TestClient } from '../helpers/client.js';
import { spawnServer, type ServerProcess } from '../helpers/process-server.js';
import { RawWsClient } from '../helpers/raw-ws.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';
import { openStream } from '../helpers/xhr-session.js';

/**
 * Peak resident memory a server process may gain over its idle size while 50 MB of events go to
 * a client that never reads (docs/security.md, "Limits"). Without the buffer bound the
 * stalled client alone would pin the whole 50 MB.
 */
export const SLOW_CONSUMER_MEMORY_BOUND_BYTES = 40 * 1024 * 1024;

const EVENT_BYTES = 100_000;
const EVENTS_FOR_50_MB = 500;

describe('e2e: slow consumers', function () {
  this.timeout(120_000);

  describe('a raw WebSocket client that never reads, 50 MB of events', () => {
    let proc: ServerProcess;
    before(async () => {
      // History is bounded on its own (history.maxMemoryBytes); keeping 100 of these 100 kB events
      // would measure it, not the slow-consumer bound, so this channel keeps few.
      proc = await spawnServer({ limits: { maxBufferedBytes: 1024 * 1024 }, history: { size: 5 } });
    });
    after(async () => {
      await proc.stop();
    });

    it('is cut off; server memory stays bounded; a normal subscriber on the channel gets every event', async () => {
      const normal = await TestClient.connect(proc.url, 'websocket');
      expect((await normal.subscribe('firehose')).event).to.equal('pushy:subscription-success');
      const stalled = await RawWsClient.connect(proc.url, 'raw');
      stalled.send({ command: 'subscribe', data: { channel: 'firehose' } });
      await stalled.next('pushy:subscription-success');
      const stalledSocket = (stalled.ws as unknown as { _socket: Socket })._socket;
      stalledSocket.pause();

      const idleRss = proc.rssBytes();
      const pad = 'x'.repeat(EVENT_BYTES - 30);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < EVENTS_FOR_50_MB) {
          const n = next++;
          const answer = await trigger(proc.url, 'firehose', 'chunk', { n, pad }, { secret: proc.secret });
          expect(answer.status, answer.text).to.be.oneOf([200, 201]);
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      await normal.next('chunk', () => normal.events('chunk').length === EVENTS_FOR_50_MB, 60_000);
      const received = new Set(normal.events('chunk').map((f) => f.data.n as number));
      expect(received.size).to.equal(EVENTS_FOR_50_MB);

      const growth = proc.peakRssBytes() - idleRss;
      expect(growth, `peak RSS grew by ${Math.round(growth / 1048576)} MB`).to.be.below(SLOW_CONSUMER_MEMORY_BOUND_BYTES);
      expect(proc.stderr()).to.contain('slow consumer cut off');

      stalledSocket.resume();
      const closed = await stalled.closed(20_000);
      // It reads what the kernel still held, then the close frame if it came before the grace
      // period ran out, else the dropped connection.
      expect(closed.code).to.be.oneOf([CLOSES.SLOW_CONSUMER.code, 1006]);
      expect(stalled.events('chunk').length).to.be.below(EVENTS_FOR_50_MB);
      await normal.close();
    });
  });

  describe('an xhr-polling session whose client stops polling', () => {
    let srv: TestServer;
    before(async () => {
      srv = await startServer({ limits: { maxBufferedBytes: 64 * 1024 } });
    });
    after(() => srv.close());

    it('is cut off once its send buffer passes the bound, and says so on its next poll', async () => {
      const base = `/pushy/socket/123/poll${Date.now()}`;
      expect(await post(srv.url, `${base}/xhr`)).to.equal('o\n');
      expect(await post(srv.url, `${base}/xhr`)).to.match(/^a\[.*pushy:connect/);
      await post(srv.url, `${base}/xhr_send`, JSON.stringify([JSON.stringify({ command: 'subscribe', data: { channel: 'poll' } })]));
      const other = await TestClient.connect(srv.url, 'websocket');
      await other.subscribe('poll');
      const pad = 'y'.repeat(10_000);
      for (let n = 0; n < 10; n += 1) await trigger(srv.url, 'poll', 'chunk', { n, pad }, { secret: srv.secret });
      await other.next('chunk', (f) => f.data.n === 9);
      // The first poll takes what was buffered before the cut-off, the next one the close.
      expect(await post(srv.url, `${base}/xhr`)).to.match(/^a\[/);
      expect(await post(srv.url, `${base}/xhr`)).to.equal(`c[${CLOSES.SLOW_CONSUMER.code},"${CLOSES.SLOW_CONSUMER.reason}"]\n`);
      await other.close();
    });
  });

  describe('an xhr-streaming client that stops reading', () => {
    let srv: TestServer;
    const log: string[] = [];
    before(async () => {
      srv = await startServer({ limits: { maxBufferedBytes: 256 * 1024 } }, { logger: createLogger('warn', (line) => log.push(line)) });
    });
    after(() => srv.close());

    it('is cut off while a normal subscriber gets every event', async () => {
      const base = `/pushy/socket/123/stream${Date.now()}`;
      const stream = await openStream(srv.url, `${base}/xhr_streaming`);
      await stream.seen('pushy:connect');
      await post(srv.url, `${base}/xhr_send`, JSON.stringify([JSON.stringify({ command: 'subscribe', data: { channel: 'stream' } })]));
      await stream.seen('subscription-success');
      stream.socket.pause();
      const normal = await TestClient.connect(srv.url, 'xhr-streaming');
      expect((await normal.subscribe('stream')).event).to.equal('pushy:subscription-success');
      const pad = 'z'.repeat(20_000);
      for (let n = 0; n < 100; n += 1) await trigger(srv.url, 'stream', 'chunk', { n, pad }, { secret: srv.secret });
      await normal.next('chunk', () => normal.events('chunk').length === 100, 20_000);
      expect(log.some((line) => line.includes('slow consumer cut off') && line.includes('xhr-streaming'))).to.equal(true);
      stream.socket.destroy();
      await normal.close();
    });
  });
});

async function post(baseUrl: string, path: string, body = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, baseUrl), { method: 'POST', headers: { 'content-type': 'text/plain' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body);
  });
}
