import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { DestinationStream } from 'pino';
import { AlertsModule } from './alerts/alerts.module';
import { BotModule } from './bot/bot.module';
import { AuthModule } from './common/auth/auth.module';
import { ConversationsModule } from './conversations/conversations.module';
import { configsFor } from './config/all-configs';
import { loadInboundConfig } from './config/inbound.config';
import type { Env } from './config/validate-env';
import { DatabaseModule } from './database/database.module';
import { GraphModule } from './graph/graph.module';
import { HealthModule } from './health/health.module';
import { InboundModule } from './inbound/inbound.module';
import { LoggingModule } from './logging/logging.module';
import { PagesModule } from './pages/pages.module';
import { QueueModule } from './queue/queue.module';
import { RedisModule } from './redis/redis.module';
import { WebhookModule } from './webhook/webhook.module';
import { SendModule } from './send/send.module';

export interface AppModuleOptions {
  /** The environment the app is configured from (tests pass their own); the process's when absent. */
  env?: Env;
  /** Where log lines go (tests capture them); stdout when absent. */
  logStream?: DestinationStream;
  /** Extra modules (tests register their own bots this way). */
  imports?: NonNullable<DynamicModule['imports']>;
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
          load: configsFor(options.env),
        }),
        LoggingModule.forRoot(options.logStream),
        DatabaseModule,
        RedisModule,
        QueueModule,
        AuthModule,
        HealthModule,
        GraphModule,
        AlertsModule,
        PagesModule,
        WebhookModule,
        ConversationsModule,
        SendModule,
        InboundModule,
        BotModule.register(loadInboundConfig(options.env)),
        ...(options.imports ?? []),
        // Feature modules (alerts, pages, webhook, send, inbound, ...) are added here.
      ],
    };
  }
}
