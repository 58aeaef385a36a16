import { expect } from 'chai';
import { signChannel } from '../../lib/signing.js';
import { TestClient, type NodeTransport } from '../helpers/client.js';
import { RawWsClient, type RawMode } from '../helpers/raw-ws.js';
import { startServer, type TestServer } from '../helpers/server.js';

const CYCLES = 20_000;
const WARM_UP_CYCLES = 1_000;
const CONCURRENCY = 40;
/** Heap used after GC may end this much above where it started (docs/security.md, "Limits"). */
export const HEAP_GROWTH_BOUND_BYTES = 4 * 1024 * 1024;

type Kind = { lib: 'ws'; mode: RawMode } | { lib: 'sockjs-client'; transport: NodeTransport };

/** Mostly cheap `ws` clients for volume; every 50th cycle a real sockjs-client on each Node transport. */
function kindOf(n: number): Kind {
  if (n % 50 === 0) return { lib: 'sockjs-client', transport: (['websocket', 'xhr-streaming', 'xhr-polling'] as const)[(n / 50) % 3]! };
  return { lib: 'ws', mode: n % 2 === 0 ? 'raw' : 'framed' };
}

describe('e2e: leaks over 20,000 connect/subscribe/disconnect cycles', function () {
  this.timeout(170_000);
  let srv: TestServer;

  before(async function () {
    if (typeof global.gc !== 'function') throw new Error('run mocha with --expose-gc (.mocharc.json node-option)');
    // A short disconnect delay so that abandoned polling sessions end within the test.
    srv = await startServer({ sockjs: { disconnectDelay: 300 } });
  });
  after(() => srv?.close());

  async function cycle(n: number): Promise<void> {
    const kind = kindOf(n);
    // Every channel kind, and presence with a shared user id (one member, several connections).
    const channel = n % 10 === 0 ? `presence-room-${n % 7}` : n % 3 === 0 ? `private-room-${n % 11}` : `room-${n % 13}`;
    const abrupt = n % 3 === 1;
    if (kind.lib === 'ws') {
      const client = await RawWsClient.connect(srv.url, kind.mode);
      client.send({ command: 'subscribe', data: subscribeData(channel, client.socketId, n) });
      await client.next('pushy:subscription-success', undefined, 15_000);
      await (abrupt ? client.terminate() : client.close());
      return;
    }
    const client = await TestClient.connect(srv.url, kind.transport);
    expect((await client.subscribe(channel, subscribeExtra(channel, client.socketId, n))).event).to.equal('pushy:subscription-success');
    await client.close();
  }

  function subscribeExtra(channel: string, socketId: string, n: number): Record<string, unknown> {
    if (channel.startsWith('presence-')) {
      const data = JSON.stringify({ id: `user-${n % 5}` });
      return { auth: signChannel({ socketId, channel, presenceData: data, secretKey: srv.secret }), data };
    }
    if (channel.startsWith('private-')) return { auth: signChannel({ socketId, channel, secretKey: srv.secret }) };
    return {};
  }

  function subscribeData(channel: string, socketId: string, n: number): Record<string, unknown> {
    return { channel, ...subscribeExtra(channel, socketId, n) };
  }

  async function run(from: number, to: number): Promise<void> {
    let next = from;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < to) await cycle(next++);
      }),
    );
    await drained();
  }

  /** Waits until the server has let go of every connection, subscription and member. */
  async function drained(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const stats = srv.server.channels.stats();
      if (srv.server.sockjs.connections.size === 0 && stats.channels === 0 && stats.subscriptions === 0 && stats.members === 0) return;
      if (Date.now() > deadline) throw new Error(`not drained: ${srv.server.sockjs.connections.size} connections, ${JSON.stringify(stats)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  function heapAfterGc(): number {
    for (let i = 0; i < 3; i += 1) global.gc!();
    return process.memoryUsage().heapUsed;
  }

  it('returns manager counts to zero and heap used (after GC) to within a small bound', async () => {
    await run(0, WARM_UP_CYCLES);
    const listenersBefore = ['request', 'upgrade', 'connection'].map((e) => srv.server.httpServer.listenerCount(e));
    const before = heapAfterGc();
    await run(WARM_UP_CYCLES, WARM_UP_CYCLES + CYCLES);
    const after = heapAfterGc();
    expect(srv.server.channels.stats()).to.deep.include({ channels: 0, subscriptions: 0, members: 0 });
    expect(srv.server.sockjs.connections.size).to.equal(0);
    expect(['request', 'upgrade', 'connection'].map((e) => srv.server.httpServer.listenerCount(e))).to.deep.equal(listenersBefore);
    const growth = after - before;
    expect(growth, `heap used grew by ${(growth / 1048576).toFixed(1)} MB over ${CYCLES} cycles`).to.be.below(HEAP_GROWTH_BOUND_BYTES);
  });
});
