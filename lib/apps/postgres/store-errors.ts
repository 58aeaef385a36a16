import { DatabaseError } from 'pg';
import { isPushyError, PushyError } from '../../errors.js';

/**
 * Turns what `pg` throws into catalogue errors: a unique violation on an id or key into
 * `APP_ID_TAKEN` / `APP_KEY_TAKEN`, anything about reaching the database into `UNAVAILABLE`
 * naming where it is (never the password). Anything else is a bug and goes through unchanged.
 * `connecting`: the error came from opening a connection, so it is about reaching the database.
 */
export function toStoreError(error: unknown, address: string, connecting = false): unknown {
  if (isPushyError(error)) return error;
  if (error instanceof DatabaseError && error.code === '23505') {
    if (error.constraint === 'pushy_app_keys_pkey') return new PushyError('APP_KEY_TAKEN');
    if (error.constraint === 'pushy_apps_pkey') return new PushyError('APP_ID_TAKEN');
  }
  // While connecting, whatever goes wrong (refused, no such database, not accepting connections)
  // means the store cannot be reached.
  if (connecting || isConnectionProblem(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new PushyError('UNAVAILABLE', `App store unavailable (PostgreSQL at ${address}): ${message}`);
  }
  return error;
}

function isConnectionProblem(error: unknown): boolean {
  // The server's refusals by SQLSTATE class: 08 connection, 28 authentication, 3D no such
  // database, 53 out of resources, 57 shutdown or cancel (statement_timeout), 58 system error.
  // Socket errors carry an errno code (ECONNREFUSED, ENOTFOUND); pg's own timeouts and lost
  // connections are plain errors that say so.
  if (error instanceof DatabaseError) return /^(08|28|3D|53|57|58)/.test(error.code ?? '');
  if (!(error instanceof Error)) return false;
  if (typeof (error as NodeJS.ErrnoException).code === 'string') return true;
  return /connection|timeout|terminated/i.test(error.message);
}

/** `host:port/database` of a PostgreSQL URL, without user or password, for logs and errors. */
export function describeAddress(url: string): string {
  if (!URL.canParse(url)) return 'an unparsable URL';
  const parsed = new URL(url);
  return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname || '/'}`;
}
