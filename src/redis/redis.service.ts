import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { redisConfig, type RedisConfig } from '../config/redis.config';
import { withTimeout } from '../common/with-timeout';
import { redisOptions } from './redis-options';

/**
 * A general-purpose Redis client (counters, health) separate from Bull's clients. Commands fail at
 * once while Redis is down instead of queueing, so callers can degrade instead of hanging.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  readonly client: Redis;
  readonly prefix: string;

  constructor(@Inject(redisConfig.KEY) config: RedisConfig) {
    this.prefix = config.prefix;
    this.client = new Redis({
      ...redisOptions(config.url),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: false,
    });
    // Errors are reported by health checks; without a listener ioredis would print each retry.
    this.client.on('error', () => undefined);
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  async ping(timeoutMs = 1_000): Promise<void> {
    await withTimeout(this.client.ping(), timeoutMs, 'Redis did not answer in time');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
