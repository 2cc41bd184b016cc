import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { databaseUrlFor } from '../support/services';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');
const migrationFiles = readdirSync(join(root, 'migrations'))
  .filter((f) => /^\d+-.+\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
  .sort((a, b) => Number(a.split('-')[0]) - Number(b.split('-')[0]));

/**
 * Every migration's `down` undoes its `up`: on a database of its own, migrate up through the operators'
 * CLI, revert everything (recording the schema after each step), and migrate up again through the
 * very same schemas. Generic: it takes whatever migrations the folder holds.
 */
describe('migrations round trip (e2e)', () => {
  const database = `mh_test_migrations_${randomBytes(4).toString('hex')}`;
  const url = databaseUrlFor(database);
  let admin: Client;
  let db: Client;

  const cli = (command: string) =>
    run(process.execPath, [join(root, 'scripts', 'typeorm.js'), command], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url },
    });

  const applied = async () =>
    (await db.query<{ name: string }>('SELECT name FROM migrations ORDER BY timestamp')).rows.map((r) => r.name);

  /**
   * Tables, columns, indexes, constraints, types, sequences and functions of the public schema (not the
   * functions of extensions: TypeORM installs uuid-ossp on connecting, outside any migration).
   */
  async function schema(): Promise<string[]> {
    const { rows } = await db.query<{ item: string }>(`
      SELECT 'table ' || table_name AS item FROM information_schema.tables WHERE table_schema = 'public'
      UNION ALL
      SELECT format('column %s.%s %s %s %s', table_name, column_name, data_type, is_nullable, column_default)
        FROM information_schema.columns WHERE table_schema = 'public'
      UNION ALL
      SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
      UNION ALL
      SELECT format('constraint %s %s', conrelid::regclass, pg_get_constraintdef(c.oid))
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'
      UNION ALL
      SELECT 'type ' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'c') AND NOT EXISTS
          (SELECT 1 FROM pg_class r WHERE r.reltype = t.oid)
      UNION ALL
      SELECT 'sequence ' || sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'
      UNION ALL
      SELECT 'function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND NOT EXISTS
          (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
      ORDER BY 1`);
    return rows.map((r) => r.item);
  }

  beforeAll(async () => {
    admin = new Client({ connectionString: databaseUrlFor('postgres') });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    db = new Client({ connectionString: url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await admin?.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin?.end();
  });

  it('finds migrations to test', () => {
    expect(migrationFiles.length).toBeGreaterThan(0);
  });

  /** A DataSource like the CLI's, limited to the first `count` migrations (all of them by default). */
  async function withSource<T>(count: number, work: (source: DataSource) => Promise<T>): Promise<T> {
    const source = new DataSource({
      ...buildDataSourceOptions({ url, poolSize: 2 }),
      entities: [],
      migrations: migrationFiles.slice(0, count).map((f) => join(root, 'migrations', f)),
      logging: false,
    });
    await source.initialize();
    try {
      return await work(source);
    } finally {
      await source.destroy();
    }
  }

  it('runs every migration, reverts each to the schema before it, and runs them again', async () => {
    const n = migrationFiles.length;
    await cli('migration:run');
    expect(await applied()).toHaveLength(n);
    const schemas: string[][] = [];
    schemas[n] = await schema();
    expect(schemas[n].filter((item) => item.startsWith('table ') && item !== 'table migrations').length).toBeGreaterThan(0);

    // One revert through the CLI, as an operator would after a bad deploy: the newest one goes.
    const all = await applied();
    await cli('migration:revert');
    expect(await applied()).toEqual(all.slice(0, -1));
    schemas[n - 1] = await schema();

    // The rest in-process (one CLI start per migration would take minutes), with the same definition.
    await withSource(n, async (source) => {
      for (let k = n - 1; k > 0; k--) {
        await source.undoLastMigration({ transaction: 'each' });
        schemas[k - 1] = await schema();
      }
    });
    expect(await applied()).toEqual([]);
    // Every `down` removed what its `up` created: only TypeORM's own bookkeeping is left.
    expect(schemas[0]).toEqual(schemas[n].filter((item) => /(^|[ .])migrations($|[ .(]|_id_seq)/.test(item)));

    // Up again one at a time: each `up` must land exactly where the `down` after it started from, so a
    // `down` that forgets something (a column added to an older table) is caught.
    for (let k = 1; k < n; k++) {
      await withSource(k, (source) => source.runMigrations({ transaction: 'each' }));
      expect({ migration: migrationFiles[k - 1], schema: await schema() }).toEqual({
        migration: migrationFiles[k - 1],
        schema: schemas[k],
      });
    }
    await cli('migration:run');
    expect(await applied()).toEqual(all);
    expect(await schema()).toEqual(schemas[n]);
  }, 180_000);
});
