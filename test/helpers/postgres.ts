import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * PostgreSQL for tests: the machine's server on 127.0.0.1:5432 (trust auth; `.ci/run` starts it).
 * Each suite creates a database of its own with a random name and drops it at the end, so suites
 * and engineers sharing the server never see each other's apps.
 */

const CANDIDATES = [process.env.PUSHY_TEST_POSTGRES_URL, 'postgres://postgres@127.0.0.1:5432/postgres', 'postgres://root@127.0.0.1:5432/postgres'].filter(
  (url): url is string => typeof url === 'string' && url.length > 0,
);

let found: Promise<string | undefined> | undefined;

/** The URL of a maintenance database on a reachable PostgreSQL, or undefined (looked up once). */
export function findPostgres(): Promise<string | undefined> {
  found ??= (async () => {
    for (const url of CANDIDATES) {
      const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return url;
      } catch {
        // Try the next way in (another user); none working means no PostgreSQL here.
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    return undefined;
  })();
  return found;
}

/** Runs one statement on a short-lived connection. */
async function run<T extends Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** A database of one suite's own, dropped by {@link TestDatabase.drop}. */
export class TestDatabase {
  private constructor(
    private readonly adminUrl: string,
    readonly name: string,
  ) {}

  /** Creates `pushy_test_<pid>_<random>` on the server of `adminUrl`. */
  static async create(adminUrl: string): Promise<TestDatabase> {
    const name = `pushy_test_${process.pid}_${randomBytes(6).toString('hex')}`;
    await run(adminUrl, `CREATE DATABASE ${name}`);
    return new TestDatabase(adminUrl, name);
  }

  /** The URL of this database, as the server's user. */
  get url(): string {
    const url = new URL(this.adminUrl);
    url.pathname = `/${this.name}`;
    return url.toString();
  }

  /** Runs one statement in this database. */
  query<T extends Record<string, unknown> = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return run<T>(this.url, sql, params);
  }

  /**
   * Ends the server side of connections to this database (`pg_terminate_backend`), only those
   * with `applicationName` when given: to the store it looks like the database went away.
   * Returns how many were ended.
   */
  async terminate(applicationName?: string): Promise<number> {
    const rows = await run<{ ended: boolean }>(
      this.adminUrl,
      `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
        WHERE datname = $1 AND pid <> pg_backend_pid() AND ($2::text IS NULL OR application_name = $2)`,
      [this.name, applicationName ?? null],
    );
    return rows.filter((row) => row.ended).length;
  }

  /** Lets new connections into this database, or refuses them all (existing ones stay). */
  async allowConnections(allowed: boolean): Promise<void> {
    await run(this.adminUrl, `ALTER DATABASE ${this.name} WITH ALLOW_CONNECTIONS ${allowed}`);
  }

  /** Drops the database, ending whatever is still connected to it. */
  async drop(): Promise<void> {
    await run(this.adminUrl, `DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
  }
}
