import { expect } from 'chai';
import sinon from 'sinon';
import { TrafficHistory } from '../../lib/admin/traffic-samples.js';

describe('TrafficHistory', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ['setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    clock.restore();
  });

  it('samples connections and per-second event rates on its interval, keeping the last N', () => {
    const totals = { connections: 0, eventsTriggered: 0, eventsDelivered: 0 };
    const history = new TrafficHistory({ intervalMs: 1000, capacity: 3, read: () => ({ ...totals }) });
    history.start();
    expect(history.since()).to.deep.equal([{ t: 1_000_000, connections: 0, triggeredPerSec: 0, deliveredPerSec: 0 }]);

    totals.connections = 2;
    totals.eventsTriggered = 5;
    totals.eventsDelivered = 10;
    clock.tick(1000);
    totals.eventsTriggered = 6;
    clock.tick(1000);
    clock.tick(1000);
    const samples = history.since();
    expect(samples).to.have.length(3);
    expect(samples.map((s) => s.t)).to.deep.equal([1_001_000, 1_002_000, 1_003_000]);
    expect(samples[0]).to.deep.include({ connections: 2, triggeredPerSec: 5, deliveredPerSec: 10 });
    expect(samples[1]).to.deep.include({ triggeredPerSec: 1, deliveredPerSec: 0 });
    expect(samples[2]).to.deep.include({ triggeredPerSec: 0 });
    expect(history.since(1_002_000).map((s) => s.t)).to.deep.equal([1_003_000]);

    history.stop();
    clock.tick(5000);
    expect(history.since(1_003_000)).to.deep.equal([]);
    expect(clock.countTimers()).to.equal(0);
  });
});
