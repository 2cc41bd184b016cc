import { Client } from 'pg';
import { databaseUrlFor } from './services';

export interface SpecDatabase {
  url: string;
  /** A connection for the spec's own assertions and fixtures. */
  sql: Client;
  drop(): Promise<void>;
}

async function adminQuery(statement: string): Promise<void> {
  const admin = new Client({ connectionString: databaseUrlFor('postgres') });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

/**
 * A database of one spec file's own (the app migrates it at boot with DATABASE_AUTO_MIGRATE=true),
 * for specs whose periodic jobs walk every row: other suites' Pages and events must not be in it.
 */
export async function createSpecDatabase(suffix: string): Promise<SpecDatabase> {
  const name = `${process.env.MH_TEST_DATABASE}_${suffix}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = databaseUrlFor(name);
  const sql = new Client({ connectionString: url });
  await sql.connect();
  return {
    url,
    sql,
    drop: async () => {
      await sql.end();
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
