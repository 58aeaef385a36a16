import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './process.js';

/** The text between `<!-- name -->` and `<!-- /name -->` in a Markdown file of the project. */
export function docBlock(file: string, name: string): string {
  const text = readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
  const start = text.indexOf(`<!-- ${name} -->`);
  const end = text.indexOf(`<!-- /${name} -->`);
  if (start < 0 || end < start) throw new Error(`${file} has no ${name} block`);
  return text.slice(start, end);
}

/** The code inside the first fenced block of a block of a Markdown file. */
export function docCode(file: string, name: string): string {
  const match = /```\w*\n([\s\S]*?)```/.exec(docBlock(file, name));
  if (!match) throw new Error(`${file} ${name} block has no code`);
  return match[1]!;
}

/** The text between `<!-- name -->` and `<!-- /name -->` in the README. */
export function readmeBlock(name: string): string {
  return docBlock('README.md', name);
}

/** The code inside the first fenced block of a README block. */
export function readmeCode(name: string): string {
  return docCode('README.md', name);
}
