#!/usr/bin/env node
/**
 * The layer rule of docs/architecture.md, checked over the import graph of the server's source:
 * an import may point down the table below (or stay in its layer), never up, and one front end
 * never imports another. `node scripts/layers.mjs` prints every wrong-way import and exits 1
 * when there is one; test/lib/layers.test.ts runs the same check in `npm test`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The layers, top first, each a list of folders (ending in `/`) and files, relative to the
 * project root. A new folder or top-level file must be placed here before it can be imported.
 */
export const LAYERS = [
  { name: 'composition', paths: ['lib/index.ts', 'lib/server.ts', 'lib/adapter.ts', 'lib/sharded-adapter.ts', 'lib/process-policy.ts', 'lib/cli/', 'lib/apps/cli.ts', 'lib/cluster/'] },
  { name: 'front ends', paths: ['lib/native/', 'commands/', 'lib/pusher/'] },
  { name: 'operations', paths: ['lib/ops/', 'lib/admin/', 'lib/metrics/', 'lib/webhooks/', 'lib/meta/'] },
  { name: 'http', paths: ['lib/http/', 'lib/triggers/', 'lib/transport/'] },
  { name: 'channel core', paths: ['lib/channels/', 'lib/wildcards/', 'lib/channel-rules/', 'lib/tokens/'] },
  { name: 'stores and broker', paths: ['lib/broker/', 'lib/occupancy/', 'lib/counts/', 'lib/history/', 'lib/presence/', 'lib/nodes/', 'lib/redis/', 'lib/shards/', 'lib/ipc/', 'lib/signing.ts', 'lib/signing/'] },
  { name: 'config', paths: ['lib/config.ts', 'lib/config-warnings.ts'] },
  { name: 'apps', paths: ['lib/apps/'] },
  { name: 'base', paths: ['lib/errors.ts', 'lib/logger.ts', 'lib/token-bucket.ts', 'lib/raw-json.ts', 'lib/stats/', 'lib/util/', 'lib/network/', 'lib/feed/', 'lib/channel-rules/channel-rule.ts', 'lib/redis/redis-endpoints.ts', 'client/backoff.ts'] },
];

/** The front ends: each a group of folders that imports no other group. */
export const FRONT_ENDS = {
  native: ['lib/native/', 'commands/'],
  pusher: ['lib/pusher/'],
};

/** The folders whose `.ts` files are checked. */
export const SOURCE_ROOTS = ['lib', 'commands'];

/** Where a file sits: its layer's index (0 is the top) and name, or undefined when the table lacks it. */
export function layerOf(file, layers = LAYERS) {
  // A file named in the table is placed by that entry, even inside a folder listed elsewhere.
  const named = layers.findIndex((layer) => layer.paths.includes(file));
  const index = named >= 0 ? named : layers.findIndex((layer) => layer.paths.some((entry) => entry.endsWith('/') && file.startsWith(entry)));
  return index < 0 ? undefined : { index, name: layers[index].name };
}

/** The front end a file belongs to, if any. */
export function frontEndOf(file, frontEnds = FRONT_ENDS) {
  return Object.keys(frontEnds).find((name) => frontEnds[name].some((entry) => file.startsWith(entry)));
}

/** The specifiers a TypeScript source imports (static, re-exported, dynamic, side-effect), comments left out. */
export function importSpecifiers(source) {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
  const found = [];
  const patterns = [
    /(?:^|[\s;}])(?:import|export)\s+(?:type\s+)?[^'";]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /(?:^|[\s;])import\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) found.push(match[1]);
  return found;
}

/**
 * Every wrong-way import among `files` (a Map of project-relative path to source): an import up
 * the table, between two front ends, or from or to a file the table does not place.
 */
export function findViolations(files, { layers = LAYERS, frontEnds = FRONT_ENDS } = {}) {
  const violations = [];
  for (const [file, source] of files) {
    const from = layerOf(file, layers);
    if (!from) {
      violations.push({ file, import: '', problem: `${file} is in no layer: add it to the layer table` });
      continue;
    }
    for (const specifier of importSpecifiers(source)) {
      if (!specifier.startsWith('.')) continue;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.js$/, '.ts');
      const to = layerOf(target, layers);
      if (!to) {
        violations.push({ file, import: specifier, problem: `${file} imports ${target}, which is in no layer` });
      } else if (to.index < from.index) {
        violations.push({ file, import: specifier, problem: `${file} (${from.name}) imports ${target} (${to.name}), a layer above it` });
      } else {
        const [a, b] = [frontEndOf(file, frontEnds), frontEndOf(target, frontEnds)];
        if (a && b && a !== b) violations.push({ file, import: specifier, problem: `${file} (front end ${a}) imports ${target} (front end ${b})` });
      }
    }
  }
  return violations;
}

/** The `.ts` sources under the source roots of a project, by project-relative path. */
export function readSources(root) {
  const files = new Map();
  const walk = (dir) => {
    let names;
    try {
      names = readdirSync(path.join(root, dir));
    } catch {
      return;
    }
    for (const name of names) {
      const rel = `${dir}/${name}`;
      if (statSync(path.join(root, rel)).isDirectory()) walk(rel);
      else if (rel.endsWith('.ts')) files.set(rel, readFileSync(path.join(root, rel), 'utf8'));
    }
  };
  for (const dir of SOURCE_ROOTS) walk(dir);
  return files;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const violations = findViolations(readSources(root));
  for (const violation of violations) process.stdout.write(`${violation.problem}\n`);
  process.stdout.write(violations.length === 0 ? 'layers: every import points down\n' : `layers: ${violations.length} wrong-way import(s)\n`);
  process.exit(violations.length === 0 ? 0 : 1);
}
