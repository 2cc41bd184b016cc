import { Inject, Injectable, Logger } from '@nestjs/common';
import { AlertKind } from '../../alerts/alert-kind';
import { AlertsService } from '../../alerts/alerts.service';
import { httpConfig, type HttpConfig } from '../../config/http.config';
import { securityConfig, type SecurityConfig } from '../../config/security.config';
import { RedisService } from '../../redis/redis.service';
import { bearerToken, secretsEqual } from './api-key';

export type ApiKeyKind = 'admin' | 'site';

export type AuthOutcome = { ok: true } | { ok: false; status: 401 | 429; retryAfterSeconds?: number };

/**
 * One atomic step per failed attempt: count it for the address and for the whole deployment, start
 * each window on its first failure, and answer both counts and the address's remaining window.
 */
const COUNT_FAILURE = `
local own = redis.call('INCR', KEYS[1])
if own == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local all = redis.call('INCR', KEYS[2])
if all == 1 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
return { own, all, redis.call('TTL', KEYS[1]) }
`;

/**
 * Checks Bearer API keys. A correct key is always accepted: keys are long and random, so the
 * failure throttle only sheds noise and can never lock the operator out. Only failures are counted
 * (in Redis, shared by every web instance), per client address as Fastify resolved it (the socket,
 * or the client behind a trusted proxy: see TRUST_PROXY), so a forged X-Forwarded-For changes nothing.
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly logger = new Logger(ApiKeyAuthenticator.name);

  constructor(
    @Inject(securityConfig.KEY) private readonly config: SecurityConfig,
    @Inject(httpConfig.KEY) private readonly http: HttpConfig,
    private readonly redis: RedisService,
    private readonly alerts: AlertsService,
  ) {}

  async authenticate(kind: ApiKeyKind, authorization: string | string[] | undefined, ip: string): Promise<AuthOutcome> {
    const token = bearerToken(authorization);
    const expected = kind === 'admin' ? this.config.adminApiKey : this.config.siteApiKey;
    if (token !== undefined && secretsEqual(token, expected)) return { ok: true };

    const counted = await this.countFailure(kind, ip);
    this.logger.warn({ kind, ip, presented: token === undefined ? 'none' : 'wrong' }, 'API key authentication failed');
    if (counted === undefined) return { ok: false, status: 401 };
    if (counted.deploymentFailures === this.http.authFailureAlertThreshold) this.raiseAlert(counted.deploymentFailures);
    if (counted.addressFailures > this.config.authFailureLimit) {
      return { ok: false, status: 429, retryAfterSeconds: counted.retryAfterSeconds };
    }
    return { ok: false, status: 401 };
  }

  // Redis down: authentication still works, only the throttle is skipped until it is back.
  private async countFailure(
    kind: ApiKeyKind,
    ip: string,
  ): Promise<{ addressFailures: number; deploymentFailures: number; retryAfterSeconds: number } | undefined> {
    const window = this.config.authFailureWindowSeconds;
    try {
      const [own, all, ttl] = (await this.redis.client.eval(
        COUNT_FAILURE,
        2,
        this.redis.key('auth-failures', kind, ip),
        this.redis.key('auth-failures', 'all'),
        window,
      )) as [number, number, number];
      return { addressFailures: own, deploymentFailures: all, retryAfterSeconds: ttl > 0 ? ttl : window };
    } catch {
      return undefined;
    }
  }

  private raiseAlert(failures: number): void {
    void this.alerts.raise({
      kind: AlertKind.AuthFailures,
      severity: 'warning',
      title: `${failures} failed API key authentications within ${this.config.authFailureWindowSeconds} s`,
      details: { failures, windowSeconds: this.config.authFailureWindowSeconds },
    });
  }
}
