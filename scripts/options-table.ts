/**
 * The configuration options table of docs/configuration.md, generated from the config schema
 * (`describeOptions()`), so that each option is described once, where it is defined. Run
 * `npm run docs:options` after adding or changing an option; a test fails while the table in
 * the file differs from what this script writes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describeOptions } from '../lib/config.js';
import { replaceBlock } from './doc-blocks.js';
import { ERROR_NAMES_BLOCK, renderErrorNamesTable } from './error-names-table.js';

/** The file that holds the table (this script runs from dist/scripts/). */
export const CONFIGURATION_DOC = fileURLToPath(new URL('../../docs/configuration.md', import.meta.url));

/** The file that holds the generated table of error names. */
export const ERRORS_DOC = fileURLToPath(new URL('../../docs/errors.md', import.meta.url));

/** Name of the `<!-- options-table -->` ... `<!-- /options-table -->` block. */
export const OPTIONS_BLOCK = 'options-table';

/** The options as a Markdown table: key, default (as JSON), environment variable, meaning. */
export function renderOptionsTable(options = describeOptions()): string {
  const rows = options.map(
    (option) => `| \`${option.key}\` | \`${cell(JSON.stringify(option.default))}\` | \`${option.env}\` | ${cell(option.doc)} |`,
  );
  return ['| option | default | environment | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** Keeps a cell in its column: a `|` in a doc or a default would start a new one. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

// Run as a script (not imported by the test): rewrite the table in place.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const text = readFileSync(CONFIGURATION_DOC, 'utf8');
  const updated = replaceBlock(text, OPTIONS_BLOCK, renderOptionsTable());
  if (updated === text) {
    process.stdout.write(`${CONFIGURATION_DOC}: options table up to date\n`);
  } else {
    writeFileSync(CONFIGURATION_DOC, updated);
    process.stdout.write(`${CONFIGURATION_DOC}: options table rewritten (${describeOptions().length} options)\n`);
  }
  const errors = readFileSync(ERRORS_DOC, 'utf8');
  const errorsUpdated = replaceBlock(errors, ERROR_NAMES_BLOCK, renderErrorNamesTable());
  if (errorsUpdated !== errors) writeFileSync(ERRORS_DOC, errorsUpdated);
  process.stdout.write(`${ERRORS_DOC}: error names table ${errorsUpdated === errors ? 'up to date' : 'rewritten'}\n`);
}
