import { expect } from 'chai';
import sinon from 'sinon';
import { DropReporter } from '../../../lib/webhooks/drop-reporter.js';
import { WebhookStats } from '../../../lib/webhooks/webhook-stats.js';
import { recordLogs } from '../../helpers/redis-node.js';

describe('webhooks: DropReporter', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_700_000_000_000, toFake: ['Date'] });
  });
  afterEach(() => clock.restore());

  it('counts every drop at once, per app and in total, and logs one line per reason and period with what it left out', () => {
    const stats = new WebhookStats();
    const log = recordLogs();
    const drops = new DropReporter(stats, log.logger, 10_000);
    drops.drop('expired', 'app1', 2, { url: 'https://example.com/hook' });
    drops.drop('expired', 'app1', 3);
    drops.drop('expired', 'app2', 1);
    drops.drop('queue_full', 'app2', 4);
    drops.drop('malformed', undefined, 1);
    drops.drop('expired', 'app1', 0);
    expect(stats.app('app1').dropped).to.deep.include({ expired: 5 });
    expect(stats.app('app2').dropped).to.deep.include({ expired: 1, queue_full: 4 });
    expect(stats.total.dropped).to.deep.equal({ expired: 6, queue_full: 4, malformed: 1, no_target: 0 });
    // What an exporter iterates: the apps with counts (drops of no known app only in the total).
    expect([...stats.apps().keys()]).to.deep.equal(['app1', 'app2']);
    expect(stats.app('never-seen')).to.deep.equal({ sent: 0, failed: 0, retried: 0, dropped: { queue_full: 0, expired: 0, no_target: 0, malformed: 0 } });
    expect(log.lines.map((line) => line.slice(25))).to.deep.equal([
      'WARN webhook events dropped (expired) {"app":"app1","events":2,"url":"https://example.com/hook","droppedSinceLastLine":0}',
      'WARN webhook events dropped (queue_full) {"app":"app2","events":4,"droppedSinceLastLine":0}',
      'WARN webhook events dropped (malformed) {"events":1,"droppedSinceLastLine":0}',
    ]);
    clock.tick(10_000);
    drops.drop('expired', 'app1', 1);
    expect(log.lines.at(-1)!.slice(25)).to.equal('WARN webhook events dropped (expired) {"app":"app1","events":1,"droppedSinceLastLine":4}');
  });
});
