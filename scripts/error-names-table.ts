/**
 * The table of every error name in docs/errors.md, generated from the catalogue (`lib/errors.ts`),
 * so that the catalogue and the docs are one list: run `npm run docs:options` after changing the
 * catalogue; a test fails while the table in the file differs from what this writes.
 */
import { ERRORS } from '../lib/errors.js';

/** Name of the `<!-- error-names -->` ... `<!-- /error-names -->` block of docs/errors.md. */
export const ERROR_NAMES_BLOCK = 'error-names';

/** Every catalogue entry as a Markdown row: name, wire code, HTTP status, default message. */
export function renderErrorNamesTable(): string {
  const rows = Object.entries(ERRORS).map(([name, entry]) => `| \`${name}\` | \`${entry.code}\` | ${entry.status} | ${entry.message.replaceAll('|', '\\|')} |`);
  return ['| name | code | HTTP | default message |', '|---|---|---|---|', ...rows].join('\n');
}
