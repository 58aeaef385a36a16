// Wildcard matching cost with many patterns (issue #17): 10,000 wildcard subscriptions in one
// app, then events on channels that match some and none of them. Matching walks the channel's
// segments in a trie, so the time per event should not grow with the number of patterns.
// Run after a build: node bench/wildcards.mjs
import { WildcardIndex } from '../dist/lib/wildcards/wildcard-index.js';
import { parsePattern } from '../dist/lib/wildcards/pattern.js';

const EVENTS = 200_000;

function measure(patterns) {
  const index = new WildcardIndex();
  for (let i = 0; i < patterns; i += 1) index.add(parsePattern(`shop${i % 100}.orders${i}.${i % 2 ? '*' : '**'}`), i);
  // Half match a pattern (when there is one for them: pattern i covers channels of orders<i>), half match none.
  const channels = Array.from({ length: 1000 }, (_, i) => (i % 4 === 0 ? `other${i}.x.y` : i % 2 ? `shop${i % 100}.orders${i}.line` : `shop${i % 100}.orders${i}.line.7`));
  const probe = { visited: 0 };
  let found = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < EVENTS; i += 1) found += index.match(channels[i % channels.length], i < channels.length ? probe : undefined).length;
  const ns = Number(process.hrtime.bigint() - started) / EVENTS;
  return { patterns, nsPerEvent: Math.round(ns), matchesPerEvent: found / EVENTS, trieNodesVisitedPerEvent: probe.visited / channels.length, trieNodes: index.nodeCount() };
}

for (const patterns of [100, 1_000, 10_000]) console.log(JSON.stringify(measure(patterns)));
