import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { loadAppConfig } from '../config/app.config';
import { loadDatabaseConfig } from '../config/database.config';
import { buildDataSourceOptions } from './data-source-options';
import { ensureDatabase } from './ensure-database';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      useFactory: async () => {
        const db = loadDatabaseConfig();
        const { autoMigrate } = loadAppConfig();
        if (autoMigrate) await ensureDatabase(db.url);
        return {
          ...buildDataSourceOptions(db),
          migrationsRun: autoMigrate,
          // Fail fast at boot instead of retrying for half a minute with a confusing log.
          retryAttempts: 2,
          retryDelay: 1_000,
        };
      },
    }),
  ],
})
export class DatabaseModule {}
