import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { assertServicesUp, databaseUrlFor } from './services';

/**
 * One fresh database and one Redis key prefix per run, so concurrent runs (and a developer's own
 * database) never see each other's data. Variables set here reach every test worker.
 */
export default async function globalSetup(): Promise<void> {
  await assertServicesUp();
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const database = `mh_test_${runId}`;
  const admin = new Client({ connectionString: databaseUrlFor('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();

  process.env.DATABASE_URL = databaseUrlFor(database);
  process.env.QUEUE_PREFIX = `mh_test_${runId}`;
  process.env.NODE_ENV = 'test';
  process.env.DATABASE_AUTO_MIGRATE = 'false';
  process.env.LOG_LEVEL ??= 'info';
  process.env.MH_TEST_DATABASE = database;

  // Migrate through the same CLI path operators use.
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'typeorm.js'), 'migration:run'], {
    env: process.env,
    stdio: 'pipe',
  });
}
