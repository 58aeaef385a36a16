import { readFileSync } from 'node:fs';

/** The package root's package.json, seen from `dist/lib/cli/`. */
const PACKAGE_JSON = new URL('../../../package.json', import.meta.url);

/** The `version` of Pushy's package.json, which ships with every install. */
export function packageVersion(): string {
  const parsed = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version?: unknown };
  if (typeof parsed.version !== 'string') throw new Error(`no version in ${PACKAGE_JSON.pathname}`);
  return parsed.version;
}
