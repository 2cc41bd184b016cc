import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { DestinationStream } from 'pino';
import { AuthModule } from './common/auth/auth.module';
import { appConfig } from './config/app.config';
import { databaseConfig } from './config/database.config';
import { messengerConfig } from './config/messenger.config';
import { redisConfig } from './config/redis.config';
import { securityConfig } from './config/security.config';
import { DatabaseModule } from './database/database.module';
import { GraphModule } from './graph/graph.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { QueueModule } from './queue/queue.module';
import { RedisModule } from './redis/redis.module';

export interface AppModuleOptions {
  /** Where log lines go (tests capture them); stdout when absent. */
  logStream?: DestinationStream;
}

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: [appConfig, databaseConfig, redisConfig, messengerConfig, securityConfig],
        }),
        LoggingModule.forRoot(options.logStream),
        DatabaseModule,
        RedisModule,
        QueueModule,
        AuthModule,
        HealthModule,
        GraphModule,
        // Feature modules (alerts, pages, webhook, send, inbound, ...) are added here.
      ],
    };
  }
}
