import { registerAs } from '@nestjs/config';
import { IsOptional, Matches } from 'class-validator';
import { assertNoProblems, parsesAsUrl, validateEnv } from './validate-env';

class RedisEnv {
  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'must be 1-64 letters, digits or _.:-' })
  QUEUE_PREFIX?: string;
}

export function loadRedisConfig(env = process.env) {
  const v = validateEnv(RedisEnv, env);
  const problems: string[] = [];
  // As DATABASE_URL: refused by name here rather than by a parse error that quotes the password.
  if (v.REDIS_URL !== undefined && !parsesAsUrl(v.REDIS_URL)) {
    problems.push('REDIS_URL: is not a valid URL (percent-encode reserved characters in the user name and password)');
  }
  assertNoProblems(problems);
  return {
    url: v.REDIS_URL ?? 'redis://127.0.0.1:6379',
    // Every Redis key the platform writes (queues, counters) starts with this prefix.
    prefix: v.QUEUE_PREFIX ?? 'mh',
  };
}

export type RedisConfig = ReturnType<typeof loadRedisConfig>;
export const redisConfig = registerAs('redis', () => loadRedisConfig());
