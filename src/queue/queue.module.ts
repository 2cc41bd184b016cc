import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { redisConfig, type RedisConfig } from '../config/redis.config';
import { redisOptions } from '../redis/redis-options';
import { BullConnections } from './bull-connections';
import { BullConnectionsModule } from './bull-connections.module';
import { BASE_JOB_OPTIONS } from './queue.constants';
import { RepeatableJobs } from './repeatable-jobs';

@Module({
  imports: [
    BullModule.forRootAsync({
      imports: [BullConnectionsModule],
      inject: [BullConnections, redisConfig.KEY],
      useFactory: (connections: BullConnections, config: RedisConfig) => {
        const base = redisOptions(config.url);
        return {
          prefix: config.prefix,
          defaultJobOptions: BASE_JOB_OPTIONS,
          createClient: (type) => connections.create(type, base),
        };
      },
    }),
  ],
  providers: [RepeatableJobs],
  exports: [BullModule, RepeatableJobs],
})
export class QueueModule {}
