import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/database.config';

/** The one DataSource definition: the app (TypeOrmModule) and the TypeORM CLI both build from it. */
export function buildDataSourceOptions(db: DatabaseConfig): DataSourceOptions {
  const root = join(__dirname, '..', '..');
  return {
    type: 'postgres',
    url: db.url,
    entities: [join(root, 'src', '**', '*.entity.{ts,js}')],
    migrations: [join(root, 'migrations', '*.{ts,js}')],
    migrationsTableName: 'migrations',
    synchronize: false,
    extra: { max: db.poolSize, connectionTimeoutMillis: 5_000 },
  };
}
