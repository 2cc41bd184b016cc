import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import Redis from 'ioredis';
import { loadRedisConfig } from '../config/redis.config';
import { redisOptions } from '../redis/redis-options';
import { BASE_JOB_OPTIONS } from './queue.constants';

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      useFactory: () => {
        const config = loadRedisConfig();
        const base = redisOptions(config.url);
        return {
          prefix: config.prefix,
          defaultJobOptions: BASE_JOB_OPTIONS,
          // Bull's docs: blocking and subscriber clients must not give up on a command or wait for a
          // ready check, or a Redis restart leaves the queue dead until the process restarts.
          createClient: (type) =>
            type === 'client'
              ? new Redis({ ...base, maxRetriesPerRequest: null })
              : new Redis({ ...base, maxRetriesPerRequest: null, enableReadyCheck: false }),
        };
      },
    }),
  ],
  exports: [BullModule],
})
export class QueueModule {}
