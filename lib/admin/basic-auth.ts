import { secretsEqual } from '../util/constant-time.js';

/** The admin credential from config. */
export interface AdminCredentials {
  username: string;
  password: string;
}

/** The challenge a browser answers with its login prompt. */
export const ADMIN_CHALLENGE = 'Basic realm="Pushy admin", charset="UTF-8"';

/**
 * True when an `Authorization` header carries exactly these credentials. Both parts are
 * compared as SHA-256 digests in constant time, so neither their content nor their length leaks,
 * and both comparisons always run.
 */
export function checkBasicAuth(header: string | undefined, expected: AdminCredentials): boolean {
  const given = parseBasic(header);
  const userOk = secretsEqual(given?.username ?? '', expected.username);
  const passwordOk = secretsEqual(given?.password ?? '', expected.password);
  return given !== undefined && userOk && passwordOk;
}

function parseBasic(header: string | undefined): AdminCredentials | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
