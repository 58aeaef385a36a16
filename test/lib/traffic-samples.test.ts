import { expect } from 'chai';
import sinon from 'sinon';
import { TrafficHistory, type HistoryNode } from '../../lib/admin/traffic-samples.js';
import { recordLogs } from '../helpers/redis-node.js';

/** A node as the history reads it. */
function node(nodeId: string, updatedAt: number, connections: number, triggered: number, delivered: number): HistoryNode {
  return { nodeId, updatedAt, connections: { total: connections, byTransport: {}, opened: connections }, events: { triggered, delivered } };
}

describe('TrafficHistory', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ['setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    clock.restore();
  });

  it('samples connections and per-second event rates on its interval, keeping the last N', async () => {
    const totals = { connections: 0, triggered: 0, delivered: 0 };
    const history = new TrafficHistory({
      intervalMs: 1000,
      capacity: 3,
      logger: recordLogs().logger,
      read: async () => [node('self', Date.now(), totals.connections, totals.triggered, totals.delivered)],
    });
    history.start();
    await clock.tickAsync(0);
    expect(history.since()).to.deep.equal([{ t: 1_000_000, connections: 0, triggeredPerSec: 0, deliveredPerSec: 0 }]);

    totals.connections = 2;
    totals.triggered = 5;
    totals.delivered = 10;
    await clock.tickAsync(1000);
    totals.triggered = 6;
    await clock.tickAsync(1000);
    await clock.tickAsync(1000);
    const samples = history.since();
    expect(samples).to.have.length(3);
    expect(samples.map((s) => s.t)).to.deep.equal([1_001_000, 1_002_000, 1_003_000]);
    expect(samples[0]).to.deep.include({ connections: 2, triggeredPerSec: 5, deliveredPerSec: 10 });
    expect(samples[1]).to.deep.include({ triggeredPerSec: 1, deliveredPerSec: 0 });
    expect(samples[2]).to.deep.include({ triggeredPerSec: 0 });
    expect(history.since(1_002_000).map((s) => s.t)).to.deep.equal([1_003_000]);

    history.stop();
    await clock.tickAsync(5000);
    expect(history.since(1_003_000)).to.deep.equal([]);
    expect(clock.countTimers()).to.equal(0);
  });

  it('sums the cluster: a peer\'s rate comes from its own reports and holds until its next one; a gone node stops counting', async () => {
    // The peer reports every 3 s (its heartbeat), with its own clock 500 ms behind ours.
    let peer: HistoryNode | undefined = node('peer', 999_500, 4, 100, 400);
    const history = new TrafficHistory({
      intervalMs: 1000,
      capacity: 10,
      logger: recordLogs().logger,
      read: async () => [node('self', Date.now(), 1, 0, 0), ...(peer ? [peer] : [])],
    });
    history.start();
    await clock.tickAsync(0);
    await clock.tickAsync(2000);
    peer = node('peer', 1_002_500, 6, 130, 460);
    await clock.tickAsync(1000);
    await clock.tickAsync(1000);
    peer = undefined;
    await clock.tickAsync(1000);
    history.stop();
    expect(history.since().map(({ connections, triggeredPerSec, deliveredPerSec }) => [connections, triggeredPerSec, deliveredPerSec])).to.deep.equal([
      [5, 0, 0],
      [5, 0, 0],
      [5, 0, 0],
      // 30 events and 60 deliveries over the peer's 3 s between reports.
      [7, 10, 20],
      [7, 10, 20],
      [1, 0, 0],
    ]);
  });

  it('a node whose counters went down (it restarted under the same id) counts no negative rate', async () => {
    let triggered = 50;
    const history = new TrafficHistory({ intervalMs: 1000, capacity: 5, logger: recordLogs().logger, read: async () => [node('self', Date.now(), 0, triggered, 0)] });
    history.start();
    await clock.tickAsync(0);
    triggered = 2;
    await clock.tickAsync(1000);
    history.stop();
    expect(history.since().map((s) => s.triggeredPerSec)).to.deep.equal([0, 0]);
  });

  it('skips a sample whose read fails, and does not start a second read while one is running', async () => {
    let reads = 0;
    let release: (() => void) | undefined;
    const { logger, lines: logs } = recordLogs();
    const history = new TrafficHistory({
      intervalMs: 1000,
      capacity: 5,
      logger,
      read: async () => {
        reads += 1;
        if (reads === 1) throw new Error('no answer');
        await new Promise<void>((resolve) => (release = resolve));
        return [node('self', Date.now(), 3, 0, 0)];
      },
    });
    history.start();
    await clock.tickAsync(0);
    expect(history.since()).to.deep.equal([]);
    expect(logs.join('\n')).to.include('chart sample skipped');
    await clock.tickAsync(3000);
    expect(reads).to.equal(2);
    release!();
    await clock.tickAsync(0);
    history.stop();
    expect(history.since().map((s) => s.connections)).to.deep.equal([3]);
  });
});
