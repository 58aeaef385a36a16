import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../helpers/process.js';

/** Relative module specifiers of a compiled file: static imports, re-exports, dynamic imports. */
function relativeImports(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) found.push(match[1]!);
  return found;
}

describe('e2e: the npm package holds exactly what runs', function () {
  this.timeout(60_000);
  let files: string[];
  const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
    main: string;
    types: string;
    exports: Record<string, string | Record<string, string>>;
  };
  const norm = (file: string): string => path.posix.normalize(file.replace(/^\.\//, ''));

  before(async () => {
    // --ignore-scripts: list what the current build would ship, without building again under
    // the feet of tests running beside this one.
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PROJECT_ROOT, maxBuffer: 16 * 1024 * 1024 });
    const [report] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
    files = report!.files.map((file) => file.path).sort();
  });

  it('ships no tests, benchmarks, examples, sources or source maps', () => {
    const unwanted = files.filter((file) => /^(dist\/)?(test|bench|examples|scripts|security|docs)\//.test(file) || /\.map$/.test(file) || (/\.ts$/.test(file) && !/\.d\.ts$/.test(file)));
    expect(unwanted).to.deep.equal([]);
  });

  it('ships the server, both entries, the browser client bundle, the dashboard, the example config and the licence', () => {
    const adminUi = readdirSync(path.join(PROJECT_ROOT, 'admin-ui')).map((file) => `admin-ui/${file}`);
    expect(files).to.include.members([
      'package.json',
      'README.md',
      'LICENSE',
      'config.example.json',
      'pushy-server.js',
      'dist/pushy-server.js',
      'dist/lib/index.js',
      'dist/lib/index.d.ts',
      'dist/client/index.js',
      'dist/client/index.d.ts',
      'dist/client/pushy.iife.js',
      ...adminUi,
    ]);
  });

  it('ships every file package.json points to (bin, main, types, exports)', () => {
    const targets = [...Object.values(pkg.bin), pkg.main, pkg.types, ...Object.values(pkg.exports).flatMap((entry) => (typeof entry === 'string' ? [entry] : Object.values(entry)))];
    for (const target of targets) expect(files, target).to.include(norm(target));
  });

  it('every relative import of a shipped module is shipped, and every shipped module is imported from an entry', () => {
    const shipped = new Set(files);
    const modules = files.filter((file) => file.endsWith('.js') && !file.startsWith('admin-ui/'));
    // The entries: the bin, the root start script, main, the exports, and the module the
    // primary of `workers: N` forks its workers with.
    const entries = [...Object.values(pkg.bin), 'pushy-server.js', pkg.main, ...Object.values(pkg.exports).flatMap((entry) => (typeof entry === 'string' ? [entry] : [entry.default!])), 'dist/lib/cluster/worker-main.js']
      .map(norm)
      .filter((file) => file.endsWith('.js'));
    const reached = new Set<string>();
    const missing: string[] = [];
    const visit = (file: string): void => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const specifier of relativeImports(readFileSync(path.join(PROJECT_ROOT, file), 'utf8'))) {
        const target = path.posix.join(path.posix.dirname(file), specifier);
        if (!shipped.has(target)) missing.push(`${file} imports ${specifier}`);
        else visit(target);
      }
    };
    entries.forEach(visit);
    expect(missing, 'imported but not shipped').to.deep.equal([]);
    // A module of types only compiles to `export {};`: its declarations are what ships, and
    // those are imported by the declarations that use them.
    const typesOnly = (file: string): boolean => readFileSync(path.join(PROJECT_ROOT, file), 'utf8').replace(/\/\/# sourceMappingURL=.*$/m, '').trim() === 'export {};';
    expect(modules.filter((file) => !reached.has(file) && !typesOnly(file)), 'shipped but never imported').to.deep.equal([]);
  });

  it('every type declaration that a shipped declaration imports is shipped', () => {
    const missing: string[] = [];
    for (const file of files.filter((name) => name.endsWith('.d.ts'))) {
      for (const specifier of relativeImports(readFileSync(path.join(PROJECT_ROOT, file), 'utf8'))) {
        const target = path.posix.join(path.posix.dirname(file), specifier).replace(/\.js$/, '.d.ts');
        if (!files.includes(target)) missing.push(`${file} imports ${specifier}`);
      }
    }
    expect(missing).to.deep.equal([]);
  });
});
