import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Writes a config file (JSON of `content`, or `content` itself when text) in a new temp folder. */
export function configFile(content: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pushy-cli-')), 'config.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}
