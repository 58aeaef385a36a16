import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from './process.js';

/**
 * A folder like an app's after `npm install pushy-server`: `node_modules/pushy-server` is this
 * project (built), so a documented snippet that imports `pushy-server` runs in it as written.
 */
export class SnippetProject {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'pushy-snippet-'));

  constructor() {
    mkdirSync(path.join(this.dir, 'node_modules'));
    symlinkSync(PROJECT_ROOT, path.join(this.dir, 'node_modules', 'pushy-server'), 'dir');
  }

  /** Makes one of this project's installed packages (e.g. `pusher`) importable from the folder. */
  link(packageName: string): void {
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules', packageName), path.join(this.dir, 'node_modules', packageName), 'dir');
  }

  /** Writes a file into the folder and returns its path. */
  write(name: string, text: string): string {
    const file = path.join(this.dir, name);
    writeFileSync(file, text);
    return file;
  }

  /** Removes the folder (the link only, never the project it points to). */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
