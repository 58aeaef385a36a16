import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CLOSES, ERRORS } from '../../lib/errors.js';
import { SHUTDOWN_CLOSE } from '../../lib/server.js';
import { OPTIONS_BLOCK, renderOptionsTable } from '../../scripts/options-table.js';
import { ERROR_NAMES_BLOCK, renderErrorNamesTable } from '../../scripts/error-names-table.js';
import { docBlock, readDoc } from '../helpers/docs.js';
import { PROJECT_ROOT } from '../helpers/process.js';

/** Every Markdown file a reader reaches: the README and docs/ (not docs/_pending/, drafts). */
const DOC_FILES = ['README.md', ...readdirSync(path.join(PROJECT_ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

/**
 * Pages written on another branch at the same time (issue #20: the signing page); links to them
 * are allowed before they exist. Once merged they are checked like any other.
 */
const WRITTEN_ELSEWHERE = new Set(['docs/signing.md']);

/** The table rows of a doc block: one array of trimmed cells per row, header rows left out. */
function tableRows(block: string): string[][] {
  return block
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) => line.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim()));
}

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replaceAll('`', '');
  return text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

/** The anchors of a Markdown text's headings (repeats get -1, -2, as GitHub numbers them). */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const match of withoutCode(text).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(match[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** The text without fenced blocks and inline code, where brackets are not links. */
function withoutCode(text: string): string {
  return text.replace(/^```[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '');
}

describe('docs stay in sync with the code', () => {
  it('docs/errors.md lists every catalogue error by name, code and status, and nothing else (generated)', () => {
    const inFile = docBlock('docs/errors.md', ERROR_NAMES_BLOCK);
    expect(inFile, 'The error names table in docs/errors.md is out of date: run `npm run docs:options` and commit the result').to.equal(renderErrorNamesTable());
  });

  it('docs/configuration.md holds the options table that the config schema generates', () => {
    const inFile = docBlock('docs/configuration.md', OPTIONS_BLOCK);
    expect(inFile, 'The options table in docs/configuration.md is out of date: run `npm run docs:options` and commit the result').to.equal(renderOptionsTable());
  });

  it('no other doc tabulates an option with its environment variable', () => {
    for (const file of DOC_FILES.filter((name) => name !== 'docs/configuration.md')) {
      const rows = readDoc(file).split('\n').filter((line) => line.startsWith('|') && /`PUSHY_[A-Z_]+`/.test(line));
      expect(rows, `${file} repeats options of the options table (link to configuration.md#options instead)`).to.deep.equal([]);
    }
  });

  it('documents every error of the catalogue once, in docs/errors.md', () => {
    const socket = tableRows(docBlock('docs/errors.md', 'error-table')).map((cells) => cells[0]);
    const http = tableRows(docBlock('docs/errors.md', 'http-error-table')).map((cells) => `${cells[0]} ${cells[1]}`);
    for (const [name, error] of Object.entries(ERRORS)) {
      const documented = socket.includes(`\`${error.code}\``) || http.includes(`${error.status} \`"${error.code}"\``);
      expect(documented, `${name} (code ${error.code}, HTTP ${error.status}) has no row in docs/errors.md`).to.equal(true);
    }
    const socketErrors = ['BOGUS_FRAME', 'UNKNOWN_COMMAND', 'INVALID_CHANNEL', 'INVALID_DATA', 'NOT_SUBSCRIBED', 'CHANNEL_NOT_FOUND', 'FRAME_TOO_LARGE', 'RATE_LIMITED', 'INTERNAL', 'UNAVAILABLE'] as const;
    for (const name of socketErrors) expect(socket, name).to.include(`\`${ERRORS[name].code}\``);
    const errorTables = DOC_FILES.filter((file) => /<!-- (http-)?error-table -->/.test(readDoc(file)));
    expect(errorTables).to.deep.equal(['docs/errors.md']);
  });

  it('documents every close code with its reason', () => {
    const rows = tableRows(docBlock('docs/errors.md', 'close-table'));
    for (const close of [SHUTDOWN_CLOSE, ...Object.values(CLOSES)]) {
      const row = rows.find((cells) => cells[0] === `\`${close.code}\``);
      expect(row, `close code ${close.code}`).to.not.equal(undefined);
      expect(row![1]).to.equal(`\`${close.reason}\``);
    }
  });

  it('states the Node.js version that package.json requires', () => {
    const engines = (JSON.parse(readDoc('package.json')) as { engines: { node: string } }).engines.node;
    const required = /^>=\s*(\d+(?:\.\d+)*)$/.exec(engines)?.[1];
    expect(required, `engines.node "${engines}"`).to.be.a('string');
    const stated = DOC_FILES.flatMap((file) => [...readDoc(file).matchAll(/Node\.js (\d+(?:\.\d+)*) or newer/g)].map((match) => ({ file, version: match[1] })));
    expect(stated.filter((entry) => entry.file === 'README.md')).to.have.length.greaterThan(0);
    for (const entry of stated) expect(entry.version, `${entry.file} says Node.js ${entry.version} or newer`).to.equal(required);
  });

  it('links only to files and headings that exist', () => {
    for (const file of DOC_FILES) {
      const text = readDoc(file);
      for (const match of withoutCode(text).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1]!;
        if (/^[a-z]+:/.test(target)) continue; // http:, https:, mailto:
        const [pathPart, anchor] = target.split('#') as [string, string | undefined];
        const targetFile = pathPart === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), pathPart));
        if (WRITTEN_ELSEWHERE.has(targetFile)) continue;
        expect(existsSync(path.join(PROJECT_ROOT, targetFile)), `${file} links to ${target}: no such file`).to.equal(true);
        if (anchor !== undefined) expect([...anchors(readDoc(targetFile))], `${file} links to ${target}: no such heading`).to.include(anchor);
      }
    }
  });
});
