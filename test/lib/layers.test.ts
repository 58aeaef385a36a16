import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../helpers/process.js';

/** What scripts/layers.mjs exports (a plain script, so that it runs without a build). */
interface LayersScript {
  findViolations(files: Map<string, string>): Array<{ file: string; import: string; problem: string }>;
  readSources(root: string): Map<string, string>;
  importSpecifiers(source: string): string[];
}

const load = async (): Promise<LayersScript> => (await import(pathToFileURL(path.join(PROJECT_ROOT, 'scripts', 'layers.mjs')).href)) as LayersScript;

describe('layers: imports point down the layer table (docs/architecture.md)', () => {
  it('holds for the whole source tree', async () => {
    const layers = await load();
    const sources = layers.readSources(PROJECT_ROOT);
    expect(sources.size).to.be.greaterThan(50);
    expect(layers.findViolations(sources).map((v) => v.problem)).to.deep.equal([]);
  });

  it('catches an import up a layer, one between front ends, and one from or to a file in no layer', async () => {
    const { findViolations } = await load();
    const files = new Map([
      ['lib/broker/sneaky.ts', "import { adminRoutes } from '../admin/admin-routes.js';\n"],
      ['lib/channels/frames.ts', "import type { Connection } from '../native/connection.js';\n"],
      ['lib/native/borrow.ts', "export { x } from '../pusher/frames.js';\n"],
      ['lib/stats/lazy.ts', "const m = await import('../ops/operations.js');\n"],
      ['lib/misc/new-folder.ts', "import { PushyError } from '../errors.js';\n"],
      ['lib/http/odd.ts', "import { thing } from '../nowhere/thing.js';\n"],
    ]);
    expect(findViolations(files).map((v) => v.file)).to.deep.equal([
      'lib/broker/sneaky.ts',
      'lib/channels/frames.ts',
      'lib/native/borrow.ts',
      'lib/stats/lazy.ts',
      'lib/misc/new-folder.ts',
      'lib/http/odd.ts',
    ]);
  });

  it('lets imports point down or stay in their layer, and ignores packages and comments', async () => {
    const { findViolations, importSpecifiers } = await load();
    const source = [
      "import { z } from 'zod';",
      "import type { Broker } from '../broker/broker.js';",
      "import { PushyError } from '../errors.js';",
      "// import { adminRoutes } from '../admin/admin-routes.js';",
      "/* export * from '../ops/operations.js'; */",
      "import { FrameCache } from './frame-cache.js';",
    ].join('\n');
    expect(importSpecifiers(source)).to.deep.equal(['zod', '../broker/broker.js', '../errors.js', './frame-cache.js']);
    expect(findViolations(new Map([['lib/channels/example.ts', source]]))).to.deep.equal([]);
  });
});
