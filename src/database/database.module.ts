import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { appConfig, type AppConfig } from '../config/app.config';
import { databaseConfig, type DatabaseConfig } from '../config/database.config';
import { buildDataSourceOptions } from './data-source-options';
import { ensureDatabase } from './ensure-database';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY, appConfig.KEY],
      useFactory: async (db: DatabaseConfig, { autoMigrate }: AppConfig) => {
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
