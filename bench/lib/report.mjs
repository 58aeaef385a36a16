/** Turns raw results into comparison rows, a Markdown table and an SVG chart of the ratios. */

const BASELINES = [
  ['pushy1', 'Pushy, 1 worker'],
  ['sockjs', 'plain sockjs'],
  ['ws', 'naive ws'],
  ['socketio', 'socket.io'],
  ['bare', 'bare http'],
];

const get = (object, path) => path.split('.').reduce((value, key) => (value == null ? undefined : value[key]), object);

/**
 * One row per metric: Pushy's value, each baseline's, ratio = Pushy / baseline, and the
 * issue's target where there is one.
 */
export function buildRows(results) {
  const specs = [
    { metric: 'Burst fan-out deliveries/s', unit: '/s', better: 'higher', path: 'burst.deliveriesPerSec', target: { vs: 'socketio', op: '>=', ratio: 1.5 } },
    { metric: 'Burst CPU per delivery', unit: 'us', better: 'lower', path: 'burst.cpuUsPerDelivery', target: { vs: 'sockjs', op: '<=', ratio: 0.5 } },
    { metric: 'Steady fan-out latency p50', unit: 'ms', better: 'lower', path: 'steady.p50Ms' },
    { metric: 'Steady fan-out latency p99', unit: 'ms', better: 'lower', path: 'steady.p99Ms', target: { vs: 'sockjs', op: '<=', ratio: 0.5 } },
    { metric: 'Steady fan-out latency max', unit: 'ms', better: 'lower', path: 'steady.maxMs' },
    { metric: 'Steady CPU per delivery', unit: 'us', better: 'lower', path: 'steady.cpuUsPerDelivery', target: { vs: 'ws', op: '<=', ratio: 0.5 } },
    { metric: 'Channel per connection triggers/s', unit: '/s', better: 'higher', path: 'perChannel.triggersPerSec' },
    { metric: 'Channel per connection latency p99', unit: 'ms', better: 'lower', path: 'perChannel.p99Ms' },
    { metric: 'Idle memory per WebSocket', unit: 'KiB', better: 'lower', path: 'idle.bytesPerConnection', scale: 1 / 1024, target: { vs: 'sockjs', op: '<=', ratio: 0.6 } },
    { metric: 'xhr-streaming deliveries/s', unit: '/s', better: 'higher', path: 'xhr.deliveriesPerSec' },
    { metric: 'xhr-streaming CPU per delivery', unit: 'us', better: 'lower', path: 'xhr.cpuUsPerDelivery', target: { vs: 'sockjs', op: '<=', ratio: 0.5 } },
    // The write delay's trade, against the same baselines' steady run.
    { metric: `Steady CPU per delivery, writeDelay ${results.writeDelay?.config?.sockjs?.writeDelay ?? '-'} ms`, unit: 'us', better: 'lower', pushyFrom: (r) => r.writeDelay, path: 'cpuUsPerDelivery', baselinePath: 'steady.cpuUsPerDelivery', target: { vs: 'ws', op: '<=', ratio: 0.5 } },
    { metric: `Steady latency p99, writeDelay ${results.writeDelay?.config?.sockjs?.writeDelay ?? '-'} ms`, unit: 'ms', better: 'lower', pushyFrom: (r) => r.writeDelay, path: 'p99Ms', baselinePath: 'steady.p99Ms' },
    // workers: 2 against the same build with one process.
    { metric: 'Burst deliveries/s, Pusher protocol', unit: '/s', better: 'higher', pushyFrom: (r) => r.fanout.pusher, path: 'burst.deliveriesPerSec', only: ['pushy1'] },
    { metric: 'Burst CPU per delivery, Pusher protocol', unit: 'us', better: 'lower', pushyFrom: (r) => r.fanout.pusher, path: 'burst.cpuUsPerDelivery', only: ['pushy1'], target: { vs: 'pushy1', op: '<=', ratio: 1.1 } },
    { metric: 'Steady CPU per delivery, Pusher protocol', unit: 'us', better: 'lower', pushyFrom: (r) => r.fanout.pusher, path: 'steady.cpuUsPerDelivery', only: ['pushy1'], target: { vs: 'pushy1', op: '<=', ratio: 1.1 } },
    { metric: 'Steady latency p99, Pusher protocol', unit: 'ms', better: 'lower', pushyFrom: (r) => r.fanout.pusher, path: 'steady.p99Ms', only: ['pushy1'] },
    { metric: 'Burst deliveries/s, 2 workers', unit: '/s', better: 'higher', pushyFrom: (r) => r.fanout.pushy2, path: 'burst.deliveriesPerSec', only: ['pushy1'] },
    { metric: 'Burst CPU per delivery, 2 workers', unit: 'us', better: 'lower', pushyFrom: (r) => r.fanout.pushy2, path: 'burst.cpuUsPerDelivery', only: ['pushy1'], target: { vs: 'pushy1', op: '<=', ratio: 1.2 } },
    { metric: 'Steady CPU per delivery, 2 workers', unit: 'us', better: 'lower', pushyFrom: (r) => r.fanout.pushy2, path: 'steady.cpuUsPerDelivery', only: ['pushy1'], target: { vs: 'pushy1', op: '<=', ratio: 1.2 } },
    { metric: 'Steady latency p99, 2 workers', unit: 'ms', better: 'lower', pushyFrom: (r) => r.fanout.pushy2, path: 'steady.p99Ms', only: ['pushy1'] },
    { section: 'scale', metric: 'Max connections per process', unit: 'conns', better: 'higher', path: 'maxConnections.connections' },
    { section: 'scale', metric: 'Connect rate', unit: '/s', better: 'higher', path: 'maxConnections.connectsPerSec' },
    { section: 'scale', metric: 'Memory per connection, 1 subscription', unit: 'KiB', better: 'lower', path: 'maxConnections.bytesPerConnection', scale: 1 / 1024 },
    { section: 'scale', metric: 'Reconnect storm: all back after the restart', unit: 's', better: 'lower', path: 'reconnect.secondsFromReady' },
    { section: 'scale', metric: 'Reconnect storm: server CPU', unit: 's', better: 'lower', path: 'reconnect.cpuSeconds' },
    { section: 'scale', metric: 'Reconnect storm: clients that gave up', unit: 'clients', better: 'lower', path: 'reconnect.gaveUp' },
    { section: 'scale', metric: 'Many channels triggers/s', unit: '/s', better: 'higher', path: 'manyChannels.triggersPerSec' },
    { section: 'scale', metric: 'Many channels latency p99', unit: 'ms', better: 'lower', path: 'manyChannels.p99Ms' },
    { section: 'scale', metric: 'Many channels memory per subscription', unit: 'B', better: 'lower', path: 'manyChannels.bytesPerSubscription' },
  ];
  const rows = specs.map((spec) => {
    const scale = spec.scale ?? 1;
    const f = results[spec.section ?? 'fanout'] ?? {};
    const number = (object, path) => {
      const v = get(object, path);
      return typeof v === 'number' && Number.isFinite(v) ? v * scale : undefined;
    };
    const pushy = spec.pushyFrom ? number(spec.pushyFrom(results), spec.path) : number(f.pushy, spec.path);
    const baselines = {};
    for (const [name] of BASELINES) {
      if (name === 'bare' || (spec.only && !spec.only.includes(name)) || (!spec.only && name === 'pushy1')) continue;
      const value = name === 'pushy1' ? number(f.pushy, spec.baselinePath ?? spec.path) : number(f[name], spec.baselinePath ?? spec.path);
      if (value !== undefined) baselines[name] = value;
    }
    return finish({ metric: spec.metric, unit: spec.unit, better: spec.better, pushy, baselines, target: spec.target });
  });
  const t = results.triggers;
  rows.push(
    finish({
      metric: 'Signed triggers/s (keep-alive HTTP)',
      unit: '/s',
      better: 'higher',
      pushy: t.pushy?.requestsPerSec,
      baselines: t.bare ? { bare: t.bare.requestsPerSec } : {},
      target: { vs: 'bare', op: '>=', ratio: 0.5 },
    }),
    finish({ metric: 'Server CPU per trigger', unit: 'us', better: 'lower', pushy: t.pushy?.cpuUsPerRequest, baselines: t.bare ? { bare: t.bare.cpuUsPerRequest } : {}, target: { vs: 'bare', op: '<=', ratio: 1.3 } }),
  );
  if (t.pusher) {
    // Issue #18's target applies to it too (issue #15 compared it with the native trigger's CPU).
    rows.push(finish({ metric: 'Server CPU per Pusher API event', unit: 'us', better: 'lower', pushy: t.pusher.cpuUsPerRequest, baselines: t.bare ? { bare: t.bare.cpuUsPerRequest } : {}, target: { vs: 'bare', op: '<=', ratio: 1.3 } }));
    if (t.pushy) rows.at(-1).vsNativeTrigger = t.pusher.cpuUsPerRequest / t.pushy.cpuUsPerRequest;
  }
  return rows;
}

function finish(row) {
  row.ratios = {};
  for (const [name, value] of Object.entries(row.baselines)) {
    if (row.pushy !== undefined && value > 0) row.ratios[name] = row.pushy / value;
  }
  if (row.target) {
    const ratio = row.ratios[row.target.vs];
    row.target.actual = ratio;
    row.target.met = ratio === undefined ? undefined : row.target.op === '>=' ? ratio >= row.target.ratio : ratio <= row.target.ratio;
  }
  return row;
}

function fmt(value, unit) {
  if (value === undefined) return '-';
  if (unit === '/s') return value >= 10000 ? `${(value / 1000).toFixed(0)}k` : value >= 1000 ? `${(value / 1000).toFixed(1)}k` : value.toFixed(0);
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** Markdown table: each baseline cell shows its value and Pushy's ratio to it. */
export function renderTable(rows, meta) {
  const head = ['Metric', 'Pushy', ...BASELINES.map(([, label]) => label), 'Target', 'Met'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const row of rows) {
    const cells = [`${row.metric} (${row.unit})`, fmt(row.pushy, row.unit)];
    for (const [name] of BASELINES) {
      const value = row.baselines[name];
      const ratio = row.ratios[name];
      cells.push(value === undefined ? '' : ratio === undefined ? fmt(value, row.unit) : `${fmt(value, row.unit)} (${ratio.toFixed(2)}x)`);
    }
    const target = row.target;
    cells.push(target ? `${target.op} ${target.ratio}x ${BASELINES.find(([n]) => n === target.vs)[1]}` : '');
    cells.push(target ? (target.met === undefined ? '-' : target.met ? 'yes' : 'NO') : '');
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const note = `Ratios in parentheses are Pushy / baseline. ${meta.quick ? 'QUICK run (tiny numbers, not meaningful). ' : ''}Node ${meta.node}, ${meta.cpus} CPUs, commit ${meta.commit}, ${meta.date}.`;
  return `${lines.join('\n')}\n\n${note}`;
}

const escapeXml = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Horizontal bars of Pushy's advantage over each baseline (baseline/Pushy when lower is
 * better, Pushy/baseline when higher is), log scale, 1x marked; targets drawn as ticks.
 */
export function renderSvg(rows, meta) {
  const bars = [];
  for (const row of rows) {
    for (const [name, label] of BASELINES) {
      const ratio = row.ratios[name];
      if (ratio === undefined || ratio <= 0) continue;
      const advantage = row.better === 'higher' ? ratio : 1 / ratio;
      let target;
      if (row.target?.vs === name) target = row.better === 'higher' ? row.target.ratio : 1 / row.target.ratio;
      bars.push({ label: `${row.metric} vs ${label}`, advantage, target });
    }
  }
  const width = 900;
  const left = 360;
  const barHeight = 18;
  const top = 50;
  const height = top + bars.length * (barHeight + 6) + 40;
  const min = 0.1;
  const max = 100;
  const x = (v) => left + ((Math.log10(Math.min(max, Math.max(min, v))) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))) * (width - left - 30);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">Pushy's advantage over each baseline (&gt;1 = Pushy better, log scale)</text>`,
    `<text x="10" y="38" fill="#555">${escapeXml(`${meta.quick ? 'QUICK run. ' : ''}Node ${meta.node}, ${meta.cpus} CPUs, commit ${meta.commit}, ${meta.date}. Black ticks: targets.`)}</text>`,
  ];
  for (const tick of [0.1, 0.5, 1, 2, 5, 10, 50, 100]) {
    parts.push(`<line x1="${x(tick)}" y1="${top - 5}" x2="${x(tick)}" y2="${height - 30}" stroke="${tick === 1 ? '#000' : '#ddd'}"/>`);
    parts.push(`<text x="${x(tick)}" y="${height - 15}" text-anchor="middle" fill="#555">${tick}x</text>`);
  }
  bars.forEach((bar, i) => {
    const y = top + i * (barHeight + 6);
    const good = bar.advantage >= 1;
    const x0 = x(Math.min(1, bar.advantage));
    const x1 = x(Math.max(1, bar.advantage));
    parts.push(`<text x="${left - 8}" y="${y + 13}" text-anchor="end">${escapeXml(bar.label)}</text>`);
    parts.push(`<rect x="${x0}" y="${y}" width="${Math.max(1, x1 - x0)}" height="${barHeight}" fill="${good ? '#2a9d5c' : '#d1495b'}"/>`);
    parts.push(`<text x="${x1 + 4}" y="${y + 13}">${bar.advantage.toFixed(2)}x</text>`);
    if (bar.target) parts.push(`<line x1="${x(bar.target)}" y1="${y - 2}" x2="${x(bar.target)}" y2="${y + barHeight + 2}" stroke="#000" stroke-width="3"/>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
