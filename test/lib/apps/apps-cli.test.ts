import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAppsCommand } from '../../../lib/apps/cli.js';
import { PostgresAppStore } from '../../../lib/apps/postgres/postgres-app-store.js';
import { silentLogger } from '../../../lib/logger.js';
import { findPostgres, TestDatabase } from '../../helpers/postgres.js';
import { PROJECT_ROOT } from '../../helpers/process.js';
import { requireService } from '../../helpers/services.js';
import { Changes } from './app-store-contract.js';

function configFile(content: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pushy-apps-cli-')), 'config.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `pushy-server apps <argv>` as a function, with an empty environment. */
async function apps(...argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runAppsCommand(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env: {} });
  return { code, stdout, stderr };
}

/** Expects a failure: the exit code, and exactly one line on stderr. */
function failed(run: Run, code: number): string {
  expect(run.code, run.stderr).to.equal(code);
  expect(run.stderr.trimEnd().split('\n'), run.stderr).to.have.length(1);
  return run.stderr;
}

describe('CLI: pushy-server apps', function () {
  this.timeout(30_000);

  describe('usage', () => {
    it('prints help with --help (exit 0) and to stderr without a command (exit 2)', async () => {
      const help = await apps('--help');
      expect(help.code).to.equal(0);
      expect(help.stdout).to.match(/Usage: pushy-server apps <command>/);
      const none = await apps();
      expect(none.code).to.equal(2);
      expect(none.stderr).to.match(/Usage:/);
    });

    it('refuses an unknown command or option, a missing id and an extra argument with exit 2 and one line', async () => {
      expect(failed(await apps('frobnicate'), 2)).to.contain('unknown command "frobnicate"');
      expect(failed(await apps('list', '--colour'), 2)).to.match(/--colour/);
      expect(failed(await apps('rotate'), 2)).to.contain('rotate needs the app id');
      expect(failed(await apps('remove', 'a', 'b'), 2)).to.contain('unexpected argument "b"');
      expect(failed(await apps('add', '--max-connections', 'many'), 2)).to.contain('--max-connections must be a whole number');
    });

    it('says what is wrong with the config file in one line (exit 1)', async () => {
      expect(failed(await apps('list', '--config', '/nonexistent/pushy.json'), 1)).to.match(/pushy-server apps: Invalid config file \/nonexistent\/pushy\.json: the file does not exist/);
      const bad = configFile({ apps: [{ id: 'x', key: 'k' }] });
      expect(failed(await apps('list', '--config', bad), 1)).to.contain('apps.list[0].secret');
    });
  });

  describe('with the config store', () => {
    const file = configFile({
      apps: [
        { id: '1001', name: 'Shop', key: 'shop-key', secret: 'shop-secret', enableClientEvents: true },
        { id: 'blog', enabled: false, keys: [{ key: 'blog-old', secret: 'blog-secret-old', expiresAt: '2000-01-01T00:00:00Z' }, { key: 'blog-key', secret: 'blog-secret' }] },
      ],
    });

    it('lists the apps with their keys, never their secrets', async () => {
      const run = await apps('list', '--config', file);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.equal(
        '1001  Shop  [enabled, client events]\n' +
          '  key shop-key (current)\n' +
          'blog  blog  [DISABLED]\n' +
          '  key blog-old expired 2000-01-01T00:00:00Z\n' +
          '  key blog-key (current)\n',
      );
      const json = await apps('list', '--config', file, '--json');
      expect(JSON.parse(json.stdout).map((a: { id: string; keys: unknown }) => [a.id, a.keys])).to.deep.equal([
        ['1001', [{ key: 'shop-key' }]],
        ['blog', [{ key: 'blog-old', expiresAt: '2000-01-01T00:00:00Z' }, { key: 'blog-key' }]],
      ]);
      expect(run.stdout + json.stdout).not.to.match(/secret/);
    });

    it('includes the app of the PUSHY_APP_* variables', async () => {
      let stdout = '';
      const code = await runAppsCommand(['list'], { stdout: (t) => (stdout += t), stderr: () => undefined, env: { PUSHY_APP_ID: '77', PUSHY_APP_KEY: 'env-key', PUSHY_APP_SECRET: 'env-secret' } });
      expect(code).to.equal(0);
      expect(stdout).to.equal('77  77  [enabled]\n  key env-key (current)\n');
    });

    it('explains that every change is made in the config file (exit 1, one line)', async () => {
      for (const argv of [['add'], ['rotate', '1001'], ['disable', '1001'], ['enable', 'blog'], ['remove', '1001']]) {
        const line = failed(await apps(...argv, '--config', file), 1);
        expect(line).to.match(new RegExp(`^pushy-server apps: cannot ${argv[0]}: Apps come from the config file here .*edit apps\\.list and restart`));
      }
    });
  });

  describe('with the PostgreSQL store', () => {
    let db: TestDatabase;
    let file: string;

    before(async function () {
      const adminUrl = await findPostgres();
      requireService(this, 'PostgreSQL on 127.0.0.1:5432', adminUrl !== undefined, 'is not reachable');
      db = await TestDatabase.create(adminUrl!);
      file = configFile({ apps: { store: { type: 'postgres', url: db.url }, rotationGrace: 3600 } });
    });
    after(async () => {
      await db?.drop();
    });

    it('adds, lists, rotates, disables, enables and removes apps; a running node sees each change', async () => {
      const node = new PostgresAppStore({ url: db.url, logger: silentLogger, rotationGrace: 3600 });
      await node.start();
      const seen = new Changes(node);
      try {
        expect((await apps('list', '--config', file)).stdout).to.equal('No apps in the postgres store.\n');

        const added = await apps('add', '--config', file, '--id', 'shop', '--key', 'shop-key', '--name', 'Shop', '--client-events', '--max-connections', '100');
        expect(added.code, added.stderr).to.equal(0);
        const secret = /secret: ([0-9a-f]{48})/.exec(added.stdout)?.[1];
        expect(secret, added.stdout).to.be.a('string');
        expect(added.stdout).to.contain('key:    shop-key').and.to.contain('shown this once');
        await seen.next((c) => c.type === 'created' && c.app.id === 'shop');
        expect(node.get('shop')).to.deep.include({ name: 'Shop', enableClientEvents: true, maxConnections: 100 });
        expect(node.findSecret('shop-key')?.secret).to.equal(secret);

        const generated = JSON.parse((await apps('add', '--config', file, '--json')).stdout) as { app: { id: string; keys: unknown[] }; key: string; secret: string };
        expect(generated.app.id).to.match(/^\d{12}$/);
        expect(generated.app.keys).to.deep.equal([{ key: generated.key }]);

        const rotated = await apps('rotate', 'shop', '--config', file, '--grace', '60');
        expect(rotated.code, rotated.stderr).to.equal(0);
        const newKey = /key: {4}([0-9a-f]{20})/.exec(rotated.stdout)?.[1];
        const newSecret = /secret: ([0-9a-f]{48})/.exec(rotated.stdout)?.[1];
        expect(rotated.stdout).to.match(/The previous keys work until \d{4}-\d\d-\d\dT/);
        await seen.next((c) => c.type === 'updated' && c.app.keys.some((k) => k.key === newKey));
        expect(node.findSecret(newKey!)?.secret).to.equal(newSecret);
        expect(node.get('shop')!.keys[0]!.expiresAt, 'the old pair expires after --grace').to.be.a('string');

        const listed = await apps('list', '--config', file);
        expect(listed.stdout).to.match(new RegExp(`shop  Shop  \\[enabled, client events\\]\\n  key shop-key expires \\S+\\n  key ${newKey} \\(current\\)\\n`));
        expect(listed.stdout).not.to.contain(secret!);

        const disabled = await apps('disable', 'shop', '--config', file);
        expect(disabled.stdout).to.equal('Disabled app shop\n');
        expect(disabled.stderr, 'a change notified after the command closed its store is not a warning').to.equal('');
        await seen.next((c) => c.type === 'updated' && c.app.id === 'shop' && !c.app.enabled);
        expect((await apps('list', '--config', file)).stdout).to.contain('shop  Shop  [DISABLED, client events]');
        const enabled = await apps('enable', 'shop', '--config', file);
        expect(enabled.stdout).to.equal('Enabled app shop\n');
        expect(enabled.stderr).to.equal('');
        await seen.next((c) => c.type === 'updated' && c.app.id === 'shop' && c.app.enabled && c.previous.enabled === false);

        expect((await apps('remove', 'shop', '--config', file)).stdout).to.equal('Removed app shop\n');
        await seen.next((c) => c.type === 'removed' && c.app.id === 'shop');
        expect(failed(await apps('remove', 'shop', '--config', file), 1)).to.equal('pushy-server apps: App "shop" not found\n');
      } finally {
        await node.close();
      }
    });

    it('refuses a duplicate key or id with one line and exit 1; rotate takes a given pair', async () => {
      expect((await apps('add', '--config', file, '--id', 'first', '--key', 'dup-key')).code).to.equal(0);
      expect(failed(await apps('add', '--config', file, '--key', 'dup-key'), 1)).to.match(/^pushy-server apps: Key "dup-key" is already used by app "first"\n$/);
      expect(failed(await apps('add', '--config', file, '--id', 'first'), 1)).to.match(/^pushy-server apps: App id "first" is already taken\n$/);
      expect(failed(await apps('add', '--config', file, '--id', 'bad id'), 1)).to.match(/Invalid app: id: must contain only/);
      expect(failed(await apps('rotate', 'first', '--config', file, '--key', 'dup-key'), 1)).to.contain('Key "dup-key" is already used by app "first"');
      expect(failed(await apps('rotate', 'first', '--config', file, '--name', 'x'), 2)).to.contain('--name does not apply to rotate');
      const given = await apps('rotate', 'first', '--config', file, '--key', 'first-key-2', '--secret', 'first-secret-2', '--grace', '0');
      expect(given.stdout).to.contain('key:    first-key-2').and.to.contain('secret: first-secret-2');
    });

    it('says in one line, without the password, that a bad store URL cannot be reached (exit 1)', async () => {
      const unreachable = configFile({ apps: { store: { type: 'postgres', url: 'postgres://pushy:hunter2@127.0.0.1:1/apps' } } });
      const line = failed(await apps('list', '--config', unreachable), 1);
      expect(line).to.match(/^pushy-server apps: App store unavailable \(PostgreSQL at 127\.0\.0\.1:1\/apps\): .*ECONNREFUSED/);
      expect(line).not.to.contain('hunter2');
      const malformed = configFile({ apps: { store: { type: 'postgres', url: 'db.internal:5432' } } });
      expect(failed(await apps('list', '--config', malformed), 1)).to.contain('apps.store.url: must be a postgres:// URL');
    });

    it('runs as a process that exits by itself when done (no connection left open)', async () => {
      const script = `import('./dist/lib/apps/cli.js').then((m) => m.runAppsCommand(process.argv.slice(1), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) })).then((code) => { process.exitCode = code; });`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, 'list', '--config', file], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).to.equal(0);
      expect(stdout).to.contain('first');
    });
  });
});
