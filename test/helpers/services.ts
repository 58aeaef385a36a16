import { execFileSync } from 'node:child_process';

/** True when CI demands that service-backed tests run (`.ci/run` sets it). */
export const SERVICES_REQUIRED = process.env.PUSHY_REQUIRE_SERVICES === '1';

/** Path of an executable on PATH, or undefined. */
export function findExecutable(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Call in a `before` hook of a suite that needs an external program (redis-server, chromium) or
 * service (PostgreSQL). Without it: under PUSHY_REQUIRE_SERVICES=1 the suite fails; otherwise it
 * is skipped, loudly. `problem` says what is wrong, e.g. "is not reachable".
 */
export function requireService(ctx: Mocha.Context, name: string, available: boolean, problem = 'is not installed'): void {
  if (available) return;
  if (SERVICES_REQUIRED) throw new Error(`${name} is required (PUSHY_REQUIRE_SERVICES=1) but ${problem}`);
  process.stderr.write(`\n  !!! SKIPPING "${ctx.test?.parent?.title ?? 'suite'}": ${name} ${problem} (CI provides it)\n`);
  ctx.skip();
}

/**
 * For a test of something optional (a documentation example in a language CI does not install,
 * PHP say): without the program it is skipped loudly, also under PUSHY_REQUIRE_SERVICES=1.
 */
export function optionalProgram(ctx: Mocha.Context, name: string, available: boolean): void {
  if (available) return;
  process.stderr.write(`\n  !!! SKIPPING "${ctx.test?.title ?? 'test'}": ${name} is not installed (optional: it runs where it is)\n`);
  ctx.skip();
}
