import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { checkLockfile, compareVersions, type Lockfile, type MinVersions } from '../helpers/lockfile-check.js';

const root = new URL('../../../', import.meta.url);
const readJson = <T>(file: string): T => JSON.parse(readFileSync(new URL(file, root), 'utf8')) as T;

describe('security: package-lock.json against security/min-versions.json', () => {
  const list = readJson<MinVersions>('security/min-versions.json');

  it('has no installed package below its safe minimum and no unreviewed production package', () => {
    const problems = checkLockfile(readJson<Lockfile>('package-lock.json'), list);
    expect(problems, JSON.stringify(problems, null, 2)).to.deep.equal([]);
  });

  it('fails on a version below the minimum, nested copies included', () => {
    const lock: Lockfile = {
      packages: {
        '': { version: '2.0.0' },
        'node_modules/sockjs': { version: '0.3.24' },
        'node_modules/sockjs/node_modules/uuid': { version: '8.3.2' },
        'node_modules/websocket-driver': { version: '0.7.4' },
      },
    };
    const problems = checkLockfile(lock, list);
    expect(problems.map((p) => `${p.path}@${p.version}`)).to.deep.equal([
      'node_modules/sockjs/node_modules/uuid@8.3.2',
      'node_modules/websocket-driver@0.7.4',
    ]);
    expect(problems[0]!.problem).to.contain('11.1.1');
  });

  it('fails on a production package nobody reviewed, but not on a dev one', () => {
    const lock: Lockfile = {
      packages: {
        'node_modules/left-pad': { version: '1.3.0' },
        'node_modules/mocha': { version: '12.0.3', dev: true },
      },
    };
    expect(checkLockfile(lock, list).map((p) => p.name)).to.deep.equal(['left-pad']);
  });

  it('compares versions numerically, prereleases before releases', () => {
    expect(compareVersions('0.7.10', '0.7.5')).to.equal(1);
    expect(compareVersions('11.1.1', '11.1.1')).to.equal(0);
    expect(compareVersions('11.1.1-beta.0', '11.1.1')).to.equal(-1);
    expect(compareVersions('8.3.2', '11.1.1')).to.equal(-1);
  });
});
