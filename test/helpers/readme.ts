import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './process.js';

/** The text between `<!-- name -->` and `<!-- /name -->` in the README. */
export function readmeBlock(name: string): string {
  const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`<!-- ${name} -->`);
  const end = readme.indexOf(`<!-- /${name} -->`);
  if (start < 0 || end < start) throw new Error(`README has no ${name} block`);
  return readme.slice(start, end);
}

/** The code inside the first fenced block of a README block. */
export function readmeCode(name: string): string {
  const match = /```\w*\n([\s\S]*?)```/.exec(readmeBlock(name));
  if (!match) throw new Error(`README ${name} block has no code`);
  return match[1]!;
}
