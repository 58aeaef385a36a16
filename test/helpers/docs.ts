import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readBlock } from '../../scripts/doc-blocks.js';
import { PROJECT_ROOT } from './process.js';

/** A Markdown file of the project, by its path from the root (`README.md`, `docs/client.md`). */
export function readDoc(file: string): string {
  return readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
}

/** The text between `<!-- name -->` and `<!-- /name -->` in a doc. */
export function docBlock(file: string, name: string): string {
  return readBlock(readDoc(file), name);
}

/** The code of the fenced block inside a doc's `<!-- name -->` block, exactly as shown. */
export function docCode(file: string, name: string): string {
  const blocks = fencedBlocks(docBlock(file, name));
  if (blocks.length !== 1) throw new Error(`${file}: block ${name} should hold one fenced code block, not ${blocks.length}`);
  return blocks[0]!.code;
}

/** A fenced code block: its info string (language), code, and where it starts in the text. */
export interface FencedBlock {
  lang: string;
  code: string;
  index: number;
}

/** Every fenced (```) code block of a Markdown text, in order. */
export function fencedBlocks(text: string): FencedBlock[] {
  return [...text.matchAll(/^```([^\n`]*)\n([\s\S]*?)^```$/gm)].map((match) => ({ lang: match[1]!.trim(), code: match[2]!, index: match.index }));
}

/** The names of the `<!-- name -->` ... `<!-- /name -->` blocks of a text, with their bounds. */
export function namedBlocks(text: string): Array<{ name: string; start: number; end: number }> {
  return [...text.matchAll(/<!-- \/([\w-]+) -->/g)].map((close) => {
    const name = close[1]!;
    return { name, start: text.indexOf(`<!-- ${name} -->`), end: close.index };
  });
}
