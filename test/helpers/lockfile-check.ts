/** The checked list of minimum safe versions (`security/min-versions.json`). */
export interface MinVersions {
  packages: Record<string, { min: string; advisories: string[] }>;
  noKnownAdvisories: string[];
}

/** The parts of an npm v3 lockfile the check reads. */
export interface Lockfile {
  packages: Record<string, { version?: string; dev?: boolean; devOptional?: boolean; link?: boolean }>;
}

/** One problem found in a lockfile. */
export interface LockfileProblem {
  path: string;
  name: string;
  version: string;
  problem: string;
}

/**
 * Checks every installed copy of every package in a lockfile: a listed package below its
 * minimum is a problem; a production package listed nowhere is one too (someone must review it).
 */
export function checkLockfile(lock: Lockfile, list: MinVersions): LockfileProblem[] {
  const problems: LockfileProblem[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.link || !entry.version) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const rule = list.packages[name];
    if (rule) {
      if (compareVersions(entry.version, rule.min) < 0) {
        problems.push({ path, name, version: entry.version, problem: `below the safe minimum ${rule.min} (${rule.advisories.join('; ')})` });
      }
    } else if (!entry.dev && !entry.devOptional && !list.noKnownAdvisories.includes(name)) {
      problems.push({ path, name, version: entry.version, problem: 'production package not reviewed in security/min-versions.json' });
    }
  }
  return problems;
}

/** Compares `major.minor.patch[-pre]` versions; a prerelease sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): { nums: number[]; pre: boolean } => {
    const [core = '', pre] = v.split('-', 2);
    return { nums: core.split('.').map((n) => Number.parseInt(n, 10) || 0), pre: pre !== undefined };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i += 1) {
    const diff = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  if (x.pre !== y.pre) return x.pre ? -1 : 1;
  return 0;
}
