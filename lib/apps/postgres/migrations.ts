import type { ClientBase } from 'pg';
import { PushyError } from '../../errors.js';

/** The NOTIFY channel the apps tables announce every change on; the payload is the app id, `*` for all. */
export const APPS_NOTIFY_CHANNEL = 'pushy_apps';

/** Table holding the applied migration versions of the apps schema. */
const VERSION_TABLE = 'pushy_apps_schema_migrations';

// Any fixed number works: it only has to differ from the advisory locks other software takes.
// 0x70757368 is "push".
const MIGRATION_LOCK = 0x70757368;

/**
 * The apps schema, one step per version, applied in order and never edited once released (add
 * a step instead). Changes are announced by triggers rather than by the store's own queries, so
 * that a change made with psql or by another tool reaches every node as well.
 */
const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE pushy_apps (
        id text PRIMARY KEY,
        name text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE pushy_app_keys (
        key text PRIMARY KEY,
        app_id text NOT NULL REFERENCES pushy_apps (id) ON DELETE CASCADE,
        secret text NOT NULL,
        expires_at timestamptz,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX pushy_app_keys_app_id ON pushy_app_keys (app_id, seq);

      CREATE FUNCTION pushy_apps_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        changed jsonb;
      BEGIN
        IF TG_LEVEL = 'STATEMENT' THEN
          PERFORM pg_notify('${APPS_NOTIFY_CHANNEL}', '*');
          RETURN NULL;
        END IF;
        IF TG_OP = 'DELETE' THEN changed := to_jsonb(OLD); ELSE changed := to_jsonb(NEW); END IF;
        PERFORM pg_notify('${APPS_NOTIFY_CHANNEL}', changed ->> TG_ARGV[0]);
        RETURN NULL;
      END
      $$;
      CREATE TRIGGER pushy_apps_changed AFTER INSERT OR UPDATE OR DELETE ON pushy_apps
        FOR EACH ROW EXECUTE FUNCTION pushy_apps_notify('id');
      CREATE TRIGGER pushy_app_keys_changed AFTER INSERT OR UPDATE OR DELETE ON pushy_app_keys
        FOR EACH ROW EXECUTE FUNCTION pushy_apps_notify('app_id');
      CREATE TRIGGER pushy_apps_truncated AFTER TRUNCATE ON pushy_apps
        FOR EACH STATEMENT EXECUTE FUNCTION pushy_apps_notify();
    `,
  },
];

/** The newest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Brings the database to {@link SCHEMA_VERSION}. Idempotent, and safe when several nodes start at
 * once: one transaction under an advisory lock, so the others wait and then find nothing to do.
 * Refuses a database that a newer Pushy has already migrated further.
 */
export async function migrate(client: ClientBase): Promise<number[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${VERSION_TABLE} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${VERSION_TABLE}`);
    const applied = new Set(rows.map((row) => row.version));
    const newest = Math.max(0, ...applied);
    if (newest > SCHEMA_VERSION) {
      throw new PushyError('UNAVAILABLE', `App store unavailable: the apps schema in this database is at version ${newest}, newer than this Pushy knows (${SCHEMA_VERSION}): upgrade Pushy`);
    }
    const done: number[] = [];
    for (const step of MIGRATIONS) {
      if (applied.has(step.version)) continue;
      await client.query(step.sql);
      await client.query(`INSERT INTO ${VERSION_TABLE} (version) VALUES ($1)`, [step.version]);
      done.push(step.version);
    }
    await client.query('COMMIT');
    return done;
  } catch (error) {
    await rollback(client);
    throw error;
  }
}

/** Ends a failed transaction; when even that fails the connection is gone, and the caller's error says more. */
export async function rollback(client: ClientBase): Promise<void> {
  try {
    await client.query('ROLLBACK');
  } catch {
    // Nothing to add: the error being handled is the one to report.
  }
}
