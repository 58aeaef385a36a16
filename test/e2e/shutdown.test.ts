import { request } from 'node:http';
import { expect } from 'chai';
import { SHUTDOWN_CLOSE } from '../../lib/server.js';
import { triggerUrl } from '../../lib/signing.js';
import { TestClient, type Frame } from '../helpers/client.js';
import { spawnServer } from '../helpers/process-server.js';
import { RawWsClient } from '../helpers/raw-ws.js';
import { startServer } from '../helpers/server.js';
import { trigger } from '../helpers/trigger.js';

describe('e2e: graceful shutdown', function () {
  this.timeout(60_000);

  it('SIGTERM under load: every trigger answered 2xx reaches every subscriber before its socket closes', async () => {
    const proc = await spawnServer({ sockjs: { disconnectDelay: 1000 } });
    try {
      const sockjsClients = await Promise.all((['websocket', 'xhr-streaming', 'xhr-polling'] as const).map((t) => TestClient.connect(proc.url, t)));
      const rawClients = await Promise.all((['raw', 'framed'] as const).map((mode) => RawWsClient.connect(proc.url, mode)));
      for (const client of sockjsClients) expect((await client.subscribe('load')).event).to.equal('pushy:subscription-success');
      for (const client of rawClients) {
        client.send({ command: 'subscribe', data: { channel: 'load' } });
        await client.next('pushy:subscription-success');
      }

      const accepted: number[] = [];
      const statuses = new Map<number, number>();
      let nextId = 0;
      let signalled = false;
      let onEnoughAccepted: () => void = () => {};
      const enoughAccepted = new Promise<void>((resolve) => (onEnoughAccepted = resolve));
      const worker = async (): Promise<void> => {
        for (;;) {
          const id = nextId++;
          let status: number;
          try {
            status = (await trigger(proc.url, 'load', 'tick', { id }, { secret: proc.secret })).status;
          } catch {
            return; // the server stopped listening: this worker is done
          }
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status >= 200 && status < 300) {
            expect(status).to.equal(201);
            accepted.push(id);
          } else {
            expect(status).to.equal(503);
          }
          if (accepted.length >= 100) onEnoughAccepted();
          if (signalled && status === 503) return;
        }
      };
      const workers = Array.from({ length: 4 }, () => worker());
      await enoughAccepted;
      signalled = true;
      proc.child.kill('SIGTERM');
      await Promise.all(workers);
      expect(await proc.exited).to.equal(0);

      const all: Array<{ frames: Frame[]; closed: Promise<unknown> }> = [
        ...sockjsClients.map((c) => ({ frames: c.frames, closed: c.waitClosed() })),
        ...rawClients.map((c) => ({ frames: c.frames, closed: c.closed() })),
      ];
      for (const client of all) {
        await client.closed;
        const got = new Set(client.frames.filter((f) => f.event === 'tick').map((f) => f.data.id as number));
        const missing = accepted.filter((id) => !got.has(id));
        expect(missing, `${client.frames[0]?.data?.protocol}: missing ${missing.length} of ${accepted.length} accepted triggers`).to.deep.equal([]);
      }
      for (const client of sockjsClients) expect(client.closeEvent).to.deep.equal({ code: SHUTDOWN_CLOSE.code, reason: SHUTDOWN_CLOSE.reason });
      expect(rawClients[1]!.closeEvent).to.deep.equal({ code: SHUTDOWN_CLOSE.code, reason: SHUTDOWN_CLOSE.reason });
      expect(rawClients[0]!.closeEvent?.reason).to.equal(SHUTDOWN_CLOSE.reason);
    } finally {
      await proc.stop();
    }
  });

  it('answers new triggers 503 and refuses new sockets while an accepted trigger finishes, then delivers that one', async () => {
    const srv = await startServer();
    const subscriber = await TestClient.connect(srv.url, 'websocket');
    expect((await subscriber.subscribe('drain')).event).to.equal('pushy:subscription-success');

    let markClosingStarted: () => void = () => {};
    const closingStarted = new Promise<void>((resolve) => (markClosingStarted = resolve));
    // A trigger the server has accepted but whose body is still arriving.
    const body = JSON.stringify({ slow: true });
    const url = triggerUrl({ baseUrl: srv.url, channel: 'drain', event: 'late', body, secretKey: srv.secret });
    const admitted = new Promise<void>((resolve) => srv.server.httpServer.once('request', () => resolve()));
    const slowAnswer = new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.flushHeaders();
      void admitted.then(async () => {
        await closingStarted;
        req.end(body);
      });
    });
    await admitted;
    const closing = srv.close();

    const refused = await trigger(srv.url, 'drain', 'too-late', {}, { secret: srv.secret });
    expect(refused.status).to.equal(503);
    expect(refused.body).to.deep.equal({ error: { code: '503', name: 'UNAVAILABLE', message: 'Server shutting down: trigger not accepted' } });
    const newcomer = RawWsClient.open(srv.url, 'framed');
    expect(await newcomer.closed()).to.deep.equal({ code: SHUTDOWN_CLOSE.code, reason: SHUTDOWN_CLOSE.reason });
    expect(subscriber.closed).to.equal(false);

    markClosingStarted();
    expect(await slowAnswer).to.equal(201);
    await subscriber.waitClosed();
    expect(subscriber.events('late')).to.deep.equal([{ event: 'late', channel: 'drain', data: { slow: true }, offset: 1 }]);
    expect(subscriber.events('too-late')).to.deep.equal([]);
    expect(subscriber.closeEvent).to.deep.equal({ code: SHUTDOWN_CLOSE.code, reason: SHUTDOWN_CLOSE.reason });
    await closing;
  });
});
