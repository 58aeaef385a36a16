// Empties dist/ before a build, so that a file removed from the sources cannot linger in dist/
// and from there in the package (package.json "files" takes dist/ by pattern).
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
