import { expect } from 'chai';
import { Client } from 'pg';
import type { App } from '../../../lib/apps/app.js';
import { PostgresAppStore } from '../../../lib/apps/postgres/postgres-app-store.js';
import { PushyError } from '../../../lib/errors.js';
import { silentLogger, type Logger } from '../../../lib/logger.js';
import { findPostgres, TestDatabase } from '../../helpers/postgres.js';
import { recordLogs } from '../../helpers/redis-node.js';
import { requireService } from '../../helpers/services.js';
import { eventually } from '../../helpers/http.js';
import { waitUntil } from '../../helpers/wait.js';
import { app, Changes, describeAppStoreContract, refusal } from './app-store-contract.js';

describe('PostgresAppStore', function () {
  this.timeout(30_000);
  let adminUrl: string;
  let db: TestDatabase;
  let nodes = 0;
  const started: PostgresAppStore[] = [];
  const databases: TestDatabase[] = [];

  before(async function () {
    const found = await findPostgres();
    requireService(this, 'PostgreSQL on 127.0.0.1:5432', found !== undefined, 'is not reachable');
    adminUrl = found!;
    db = await TestDatabase.create(adminUrl);
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
  });
  after(async () => {
    await Promise.all(databases.map((d) => d.drop()));
    await db?.drop();
  });

  /** A store on the suite's database; each has its own application_name, as separate nodes would. */
  const store = (options: { seed?: App[]; rotationGrace?: number; logger?: Logger; url?: string } = {}): PostgresAppStore => {
    nodes += 1;
    return new PostgresAppStore({
      url: options.url ?? db.url,
      logger: options.logger ?? silentLogger,
      seed: options.seed ?? [],
      rotationGrace: options.rotationGrace ?? 86400,
      applicationName: `pushy-test-node-${nodes}`,
      maxReconnectDelay: 200,
    });
  };

  describeAppStoreContract('postgres', {
    writable: true,
    open: async (seed, options) => {
      // Tables exist once any store has started; before that there is nothing to empty.
      await db.query('TRUNCATE pushy_apps CASCADE').catch(() => undefined);
      const opened = store({ seed, ...options });
      await opened.start();
      return opened;
    },
    openAnother: async () => {
      const opened = store();
      await opened.start();
      return opened;
    },
  });

  /** A started store, closed after the test. */
  const startStore = async (options: Parameters<typeof store>[0] = {}): Promise<PostgresAppStore> => {
    const opened = store(options);
    started.push(opened);
    await opened.start();
    return opened;
  };
  const freshDatabase = async (): Promise<TestDatabase> => {
    const created = await TestDatabase.create(adminUrl);
    databases.push(created);
    return created;
  };
  const connectionsOf = async (name: string): Promise<number> => {
    const rows = await db.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1', [name]);
    return Number(rows[0]!.n);
  };
  const empty = async (): Promise<void> => {
    await db.query('TRUNCATE pushy_apps CASCADE').catch(() => undefined);
  };

  describe('schema', () => {
    it('creates its tables at start and records the version; starting again applies nothing twice', async () => {
      const other = await freshDatabase();
      const log = recordLogs();
      await startStore({ url: other.url, logger: log.logger });
      expect(log.lines.some((l) => /migrated the apps schema.*"versions":\[1\]/.test(l)), log.lines.join('\n')).to.equal(true);
      const tables = await other.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'pushy_%' ORDER BY 1");
      expect(tables.map((t) => t.table_name)).to.deep.equal(['pushy_app_keys', 'pushy_apps', 'pushy_apps_schema_migrations']);
      const again = recordLogs();
      await startStore({ url: other.url, logger: again.logger });
      expect(again.lines.some((l) => l.includes('migrated'))).to.equal(false);
      expect(await other.query('SELECT version FROM pushy_apps_schema_migrations')).to.deep.equal([{ version: 1 }]);
    });

    it('lets several nodes start at once on an empty database: every one starts, the schema is made once', async () => {
      const other = await freshDatabase();
      const stores = [store({ url: other.url }), store({ url: other.url }), store({ url: other.url }), store({ url: other.url })];
      started.push(...stores);
      await Promise.all(stores.map((s) => s.start()));
      expect(await other.query('SELECT version FROM pushy_apps_schema_migrations')).to.deep.equal([{ version: 1 }]);
      const watchers = stores.slice(1).map((s) => new Changes(s));
      const created = await stores[0]!.create({});
      await Promise.all(watchers.map((changes) => changes.next((c) => c.app.id === created.app.id)));
    });

    it('refuses a database that a newer Pushy has migrated further, and says so', async () => {
      const other = await freshDatabase();
      await startStore({ url: other.url });
      await other.query('INSERT INTO pushy_apps_schema_migrations (version) VALUES (99)');
      const newer = store({ url: other.url });
      const error = await refusal(newer.start(), 'UNAVAILABLE');
      expect(error.message).to.match(/version 99, newer than this Pushy knows \(1\): upgrade Pushy/);
    });
  });

  describe('configured apps (seed)', () => {
    beforeEach(empty);

    it('creates the configured apps the database does not have, and leaves those it has alone', async () => {
      const seed = [app({ id: 'seeded', key: 'seeded-key', secret: 'seeded-secret', name: 'From config' })];
      const first = await startStore({ seed });
      expect(first.get('seeded')?.name).to.equal('From config');
      await first.update('seeded', { name: 'Renamed live' });
      const second = await startStore({ seed });
      expect(second.get('seeded')?.name, 'the database is the truth once the app is there').to.equal('Renamed live');
    });

    it('does not start when a configured app has a key another app holds, naming the app, and keeps no connection', async () => {
      const first = await startStore();
      await first.create({ id: 'owner', key: 'shared-key' });
      const clash = store({ seed: [app({ id: 'clash', key: 'shared-key', secret: 's' })] });
      const error = await refusal(clash.start(), 'APP_KEY_TAKEN');
      expect(error.message).to.match(/Configured app "clash"/);
      // A closed connection leaves pg_stat_activity a moment after the client let it go.
      await eventually(async () => expect(await connectionsOf(`pushy-test-node-${nodes}`)).to.equal(0));
    });
  });

  describe('changes made outside Pushy (psql, another tool)', () => {
    beforeEach(empty);

    it('sees an update, a key change, a delete and a truncate made with plain SQL', async () => {
      const watched = await startStore({ seed: [app({ id: 'a', key: 'ka', secret: 'sa' }), app({ id: 'b', key: 'kb', secret: 'sb' })] });
      const changes = new Changes(watched);
      // Notifications that name no app are ignored.
      await db.query(`NOTIFY pushy_apps, 'not an id'`);
      await db.query(`SELECT pg_notify('pushy_apps', repeat('x', 7000))`);
      await db.query("UPDATE pushy_apps SET enabled = false WHERE id = 'a'");
      await changes.next((c) => c.type === 'updated' && c.app.id === 'a' && !c.app.enabled);
      await db.query("UPDATE pushy_app_keys SET secret = 'sa2' WHERE key = 'ka'");
      await changes.next((c) => c.type === 'updated' && c.app.keys[0]?.secret === 'sa2');
      expect(watched.findSecret('ka')?.secret).to.equal('sa2');
      await db.query("DELETE FROM pushy_apps WHERE id = 'a'");
      await changes.next((c) => c.type === 'removed' && c.app.id === 'a');
      await db.query('TRUNCATE pushy_apps CASCADE');
      await changes.next((c) => c.type === 'removed' && c.app.id === 'b');
      expect(watched.list()).to.deep.equal([]);
    });

    it('ignores an app whose row is invalid, logging which one and why (no secret), and serves it once fixed', async () => {
      const log = recordLogs();
      const watched = await startStore({ logger: log.logger, seed: [app({ id: 'good', key: 'kg', secret: 'secret-good' })] });
      const changes = new Changes(watched);
      await db.query(`INSERT INTO pushy_apps (id, name, settings) VALUES ('broken', 'Broken', '{"limits": {"maxFrameBytes": "lots"}}')`);
      await db.query(`INSERT INTO pushy_app_keys (key, app_id, secret) VALUES ('kbroken', 'broken', 'secret-broken')`);
      await log.waitFor(/an app in the database is invalid.*"app":"broken".*limits\.maxFrameBytes/);
      expect(watched.get('broken')).to.equal(undefined);
      expect(watched.get('good')).not.to.equal(undefined);
      expect(log.lines.join('\n')).not.to.contain('secret-broken');
      await db.query(`UPDATE pushy_apps SET settings = '{"limits": {"maxFrameBytes": 100}}' WHERE id = 'broken'`);
      const fixed = await changes.next((c) => c.type === 'created' && c.app.id === 'broken');
      expect(fixed.app.limits).to.deep.equal({ maxFrameBytes: 100 });
    });
  });

  describe('when the database goes away and comes back', () => {
    beforeEach(empty);
    afterEach(async () => {
      await db.allowConnections(true);
    });

    it('keeps serving its cache, refuses writes with UNAVAILABLE, then LISTENs again, reloads what it missed and sees later changes', async () => {
      const log = recordLogs();
      const a = await startStore({ logger: log.logger, seed: [app({ id: 'kept', key: 'kept-key', secret: 'kept-secret' })] });
      const b = await startStore();
      const seenByA = new Changes(a);
      const name = `pushy-test-node-${nodes - 1}`;
      expect(await connectionsOf(name)).to.be.greaterThan(0);

      // The database goes away for A: its connections are ended and new ones refused.
      await db.allowConnections(false);
      expect(await db.terminate(name)).to.be.greaterThan(0);
      await log.waitFor(/WARN app store: lost the PostgreSQL connection/);
      expect(a.isUp).to.equal(false);
      expect(a.findSecret('kept-key')?.secret, 'reads come from the cache').to.equal('kept-secret');
      const down = await refusal(a.create({}), 'UNAVAILABLE');
      expect(down.message).to.contain(db.name);

      // Meanwhile another node, still connected, creates an app: A cannot be told.
      const missed = await b.create({ name: 'made while A was away' });

      await db.allowConnections(true);
      const reloaded = await seenByA.next((c) => c.type === 'created' && c.app.id === missed.app.id, 10_000);
      expect(reloaded.app.name).to.equal('made while A was away');
      await log.waitFor(/app store: PostgreSQL connection restored/);
      expect(a.isUp).to.equal(true);

      // And A is listening again: a later change arrives by NOTIFY, and A can write again.
      await b.update('kept', { enabled: false });
      await seenByA.next((c) => c.type === 'updated' && c.app.id === 'kept' && !c.app.enabled);
      await a.update('kept', { enabled: true });
      expect(a.get('kept')!.enabled).to.equal(true);
    });

    it('recovers from its connections being ended without an outage (a failover, a restart of the backend)', async () => {
      const a = await startStore();
      const b = await startStore();
      const seenByA = new Changes(a);
      expect(await db.terminate(`pushy-test-node-${nodes - 1}`)).to.be.greaterThan(0);
      await waitUntil(() => a.isUp, 10_000, 'store A to reconnect');
      const created = await b.create({});
      await seenByA.next((c) => c.type === 'created' && c.app.id === created.app.id);
      // Its pool replaced the ended connections too.
      await a.update(created.app.id, { name: 'from A' });
    });
  });

  describe('when its connection is ended in the middle of a write', () => {
    beforeEach(empty);

    it('fails that write with UNAVAILABLE and keeps the process running; the next write works', async () => {
      const a = await startStore({ seed: [app({ id: 'locked', key: 'locked-key', secret: 's' })] });
      const name = `pushy-test-node-${nodes}`;
      // Another session holds the app's row, so A's update waits inside its transaction...
      const holder = new Client({ connectionString: db.url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query("SELECT id FROM pushy_apps WHERE id = 'locked' FOR UPDATE");
        const refused = refusal(a.update('locked', { name: 'never' }), 'UNAVAILABLE');
        // The server shows the wait; there is no event to wait on, so look until it does.
        const waiting = async (): Promise<boolean> =>
          (await db.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [name])).length > 0;
        const deadline = Date.now() + 10_000;
        while (!(await waiting())) {
          if (Date.now() > deadline) throw new Error('the update never waited for the row lock');
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        // ...when its connection is ended under it.
        await db.terminate(name);
        await refused;
      } finally {
        await holder.query('ROLLBACK');
        await holder.end();
      }
      await waitUntil(() => a.isUp, 10_000, 'store to reconnect');
      expect((await a.update('locked', { name: 'after' })).name).to.equal('after');
    });
  });

  describe('when it cannot start', () => {
    it('says where the database is (never the password) when it is unreachable, and keeps nothing open', async () => {
      const unreachable = store({ url: 'postgres://pushy:hunter2@127.0.0.1:1/apps' });
      const error = await refusal(unreachable.start(), 'UNAVAILABLE');
      expect(error.message).to.contain('127.0.0.1:1/apps');
      expect(error.message).not.to.contain('hunter2');
    });

    it('says so when the database does not exist', async () => {
      const url = new URL(db.url);
      url.pathname = '/pushy_no_such_database';
      const error = await refusal(store({ url: url.toString() }).start(), 'UNAVAILABLE');
      expect(error.message).to.match(/pushy_no_such_database.*does not exist/);
    });
  });

  it('never logs a secret, whatever it does', async () => {
    await empty();
    const log = recordLogs();
    const logged = await startStore({ logger: log.logger, seed: [app({ id: 'seed', key: 'seed-key', secret: 'seed-secret-value' })] });
    const created = await logged.create({ secret: 'created-secret-value' });
    const rotated = await logged.rotate(created.app.id);
    await logged.update(created.app.id, { enabled: false });
    await logged.remove(created.app.id);
    await db.terminate(`pushy-test-node-${nodes}`);
    await log.waitFor(/connection restored/);
    const text = log.lines.join('\n');
    expect(text).to.contain('app store: key rotated');
    for (const secret of ['seed-secret-value', 'created-secret-value', rotated.secret]) expect(text).not.to.contain(secret);
    expect(PushyError).to.be.a('function');
  });
});
