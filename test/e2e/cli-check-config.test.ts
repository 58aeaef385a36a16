import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MASK } from '../../lib/cli/mask.js';
import { loadConfig } from '../../lib/config.js';
import { configFile } from '../helpers/config-file.js';
import { runCommand } from '../helpers/process.js';
import { writeCommandsFolder } from '../helpers/commands-folder.js';

describe('e2e: pushy-server check-config', function () {
  this.timeout(30_000);

  it('prints the effective configuration (file, then environment) as JSON on stdout, exit 0', async () => {
    const file = configFile({ port: 9001, sockjs: { prefix: '/rt' }, secretKey: 'file-secret' });
    const result = await runCommand(['check-config', file], { env: { PUSHY_HISTORY_SIZE: '7' } });
    expect(result.code, result.stderr).to.equal(0);
    const expected = loadConfig({ file, env: { PUSHY_HISTORY_SIZE: '7' } });
    expect(JSON.parse(result.stdout)).to.deep.equal({ ...expected, secretKey: MASK });
    expect(result.stderr).to.equal(`pushy-server: config file ${file} is valid\n`);
  });

  it('masks every secret: secretKey, admin.password, the password in adapter.url, from the file and from the environment', async () => {
    const secrets = ['s3cret-key-from-file', 'adm1n-pass', 'redis-pa55', 's3cret-key-from-env'];
    const file = configFile({ secretKey: secrets[0], admin: { username: 'ops', password: secrets[1] }, adapter: { type: 'redis', url: `redis://default:${secrets[2]}@redis.internal:6380/2` } });
    for (const env of [{}, { PUSHY_SECRET_KEY: secrets[3] }]) {
      const result = await runCommand(['check-config', '--config', file], { env });
      expect(result.code, result.stderr).to.equal(0);
      for (const secret of secrets) expect(result.stdout + result.stderr).not.to.contain(secret);
      const shown = JSON.parse(result.stdout);
      expect(shown.secretKey).to.equal(MASK);
      expect(shown.admin).to.deep.equal({ username: 'ops', password: MASK, maxLoginFailures: 5, lockoutSeconds: 60 });
      expect(shown.adapter.url).to.equal(`redis://default:${MASK}@redis.internal:6380/2`);
    }
  });

  it('without a file checks the defaults and the environment, and notes an empty secretKey', async () => {
    const result = await runCommand(['check-config'], { env: { PUSHY_PORT: '9002' } });
    expect(result.code).to.equal(0);
    expect(JSON.parse(result.stdout).port).to.equal(9002);
    expect(result.stderr).to.equal('pushy-server: note: secretKey is empty, so the server makes up a new one on every start\npushy-server: configuration is valid\n');
  });

  for (const [what, content, env, message] of [
    ['an unknown key', { prot: 1 }, {}, /Invalid config file .*: configuration param 'prot' not declared in the schema/],
    ['a bad value', { limits: { maxFrameBytes: -1 } }, {}, /limits\.maxFrameBytes: must be a positive integer/],
    ['a bad boolean variable', {}, { PUSHY_METRICS_ENABLED: 'nope' }, /metrics\.enabled \(environment variable PUSHY_METRICS_ENABLED\)/],
    ['a missing commandsDir', { commandsDir: '/nonexistent/commands' }, {}, /commandsDir: no such folder/],
    ['half an admin credential', { admin: { username: 'ops' } }, {}, /admin\.username and admin\.password must be set together/],
    ['an unreadable ssl file', { ssl: { key: '/nonexistent/key.pem', cert: '/nonexistent/cert.pem' } }, {}, /ssl\.key: cannot read \/nonexistent\/key\.pem/],
  ] as const) {
    it(`refuses ${what}: one line on stderr, nothing on stdout, exit 1`, async () => {
      const result = await runCommand(['check-config', configFile(content)], { env });
      expect(result.code).to.equal(1);
      expect(result.stdout).to.equal('');
      expect(result.stderr.trimEnd().split('\n')).to.have.length(1);
      expect(result.stderr).to.match(message);
    });
  }

  it('loads the custom commands as the server would, and names one that does not load', async () => {
    const dir = writeCommandsFolder();
    const result = await runCommand(['check-config', configFile({ commandsDir: dir, secretKey: 's' })]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain(`pushy-server: commandsDir: ${path.join(dir, 'broken.mjs')} does not load`);
    const good = mkdtempSync(path.join(tmpdir(), 'pushy-commands-'));
    writeFileSync(path.join(good, 'echo.mjs'), `export default { name: 'echo', handle(ctx, data) { return data; } };\n`);
    expect((await runCommand(['check-config', configFile({ commandsDir: good, secretKey: 's' })])).code).to.equal(0);
  });

  it('refuses two config files and unknown options with exit 2', async () => {
    const file = configFile({});
    for (const args of [['check-config', file, file], ['check-config', '--config', file, file], ['check-config', '--verbose']]) {
      const result = await runCommand(args);
      expect(result.code, args.join(' ')).to.equal(2);
      expect(result.stderr).to.contain('Run "pushy-server check-config --help" for usage.');
    }
  });
});
