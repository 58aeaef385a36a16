import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Proves that `npm run bench` works end to end; tiny numbers, no performance assertions. */
describe('bench harness (quick smoke run)', function () {
  this.timeout(180000);
  let out: string;
  before(() => {
    out = mkdtempSync(path.join(tmpdir(), 'pushy-bench-smoke-'));
  });
  after(() => {
    rmSync(out, { recursive: true, force: true });
  });

  it('runs every scenario against Pushy and the baselines and writes the table, JSON and SVG', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [path.join(root, 'bench', 'run.mjs'), '--quick', '--out', out], { cwd: root, maxBuffer: 1 << 24 }, (error, text, stderr) =>
        error ? reject(new Error(`bench failed: ${error.message}\n${stderr}`)) : resolve(text),
      );
    });
    expect(stdout).to.include('| Burst fan-out deliveries/s');
    const results = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8'));
    for (const name of ['pushy', 'pushy2', 'pusher', 'sockjs', 'ws', 'socketio']) {
      const run = results.fanout[name];
      expect(run.burst.timedOut, `${name} burst`).to.equal(false);
      expect(run.burst.deliveries, `${name} burst`).to.equal(run.burst.expected);
      expect(run.steady.timedOut, `${name} steady`).to.equal(false);
      expect(run.perChannel.timedOut, `${name} per-channel`).to.equal(false);
    }
    for (const name of ['pushy', 'sockjs']) expect(results.fanout[name].xhr.timedOut, `${name} xhr`).to.equal(false);
    expect(results.writeDelay, 'steady with a write delay').to.include({ timedOut: false, deliveries: results.meta.params.steadySubs * results.meta.params.steadyRate * results.meta.params.steadySeconds });
    for (const name of ['pushy', 'sockjs', 'socketio']) {
      const run = results.scale[name];
      expect(run.maxConnections.connections, `${name} max connections`).to.equal(results.meta.params.maxConns);
      expect(run.reconnect, `${name} reconnect storm`).to.include({ timedOut: false, gaveUp: 0, back: results.meta.params.stormConns });
      expect(run.manyChannels.deliveries, `${name} many channels`).to.equal(run.manyChannels.expected);
    }
    expect(results.triggers.pushy.statuses).to.deep.equal({ 200: results.meta.params.triggerRequests });
    expect(results.triggers.pusher.statuses, 'Pusher HTTP API events').to.deep.equal({ 200: results.meta.params.triggerRequests });
    for (const row of results.rows) expect(row.pushy, row.metric).to.be.a('number');
    expect(readFileSync(path.join(out, 'latest.svg'), 'utf8')).to.match(/^<svg[\s\S]*<\/svg>\n$/);
  });
});
