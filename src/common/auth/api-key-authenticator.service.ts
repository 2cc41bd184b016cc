import { Inject, Injectable, Logger } from '@nestjs/common';
import { securityConfig, type SecurityConfig } from '../../config/security.config';
import { RedisService } from '../../redis/redis.service';
import { bearerToken, secretsEqual } from './api-key';

export type ApiKeyKind = 'admin' | 'site';

export type AuthOutcome = { ok: true } | { ok: false; status: 401 | 429; retryAfterSeconds?: number };

/**
 * Checks Bearer API keys and locks out addresses that keep presenting wrong ones. Only failures are
 * counted (in Redis, so every web instance shares the count); authenticated calls never are.
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly logger = new Logger(ApiKeyAuthenticator.name);

  constructor(
    @Inject(securityConfig.KEY) private readonly config: SecurityConfig,
    private readonly redis: RedisService,
  ) {}

  async authenticate(kind: ApiKeyKind, authorization: string | string[] | undefined, ip: string): Promise<AuthOutcome> {
    const counterKey = this.redis.key('auth-failures', kind, ip);
    const failures = await this.readFailures(counterKey);
    if (failures >= this.config.authFailureLimit) {
      return { ok: false, status: 429, retryAfterSeconds: await this.ttl(counterKey) };
    }
    const token = bearerToken(authorization);
    const expected = kind === 'admin' ? this.config.adminApiKey : this.config.siteApiKey;
    if (token !== undefined && secretsEqual(token, expected)) return { ok: true };
    await this.countFailure(counterKey);
    this.logger.warn({ kind, ip, presented: token === undefined ? 'none' : 'wrong' }, 'API key authentication failed');
    return { ok: false, status: 401 };
  }

  // Redis down: authentication still works, only the lockout is skipped until it is back.
  private async readFailures(key: string): Promise<number> {
    try {
      return Number((await this.redis.client.get(key)) ?? 0);
    } catch {
      return 0;
    }
  }

  private async countFailure(key: string): Promise<void> {
    try {
      await this.redis.client
        .multi()
        .incr(key)
        .expire(key, this.config.authFailureWindowSeconds, 'NX')
        .exec();
    } catch {
      // see readFailures
    }
  }

  private async ttl(key: string): Promise<number> {
    const seconds = await this.redis.client.ttl(key).catch(() => -1);
    return seconds > 0 ? seconds : this.config.authFailureWindowSeconds;
  }
}
