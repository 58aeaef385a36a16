// Writes `pushy-server.js` at the package root, so that `node pushy-server.js config.json`, the
// start command Pushy has always had, works after `npm install`. It only loads the compiled
// entry; the source is pushy-server.ts. git ignores the written file.
import { chmodSync, writeFileSync } from 'node:fs';

const target = new URL('../pushy-server.js', import.meta.url);
writeFileSync(
  target,
  `#!/usr/bin/env node
// Written by \`npm run build\` (scripts/write-root-entry.mjs): the source is pushy-server.ts.
import './dist/pushy-server.js';
`,
);
chmodSync(target, 0o755);
chmodSync(new URL('../dist/pushy-server.js', import.meta.url), 0o755);
