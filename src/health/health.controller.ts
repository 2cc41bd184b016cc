import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  TypeOrmHealthIndicator,
  type HealthCheckResult,
} from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { reasonPhrase } from '../common/http/error-body';
import { RedisHealthIndicator } from './redis.health';
import { Audience } from '../common/auth/audience';

/** The 503 body: the API's error shape, plus which dependencies are up and which are down. */
export interface NotReadyBody {
  statusCode: 503;
  error: string;
  message: string;
  code: 'not_ready';
  info: NonNullable<HealthCheckResult['info']>;
  down: NonNullable<HealthCheckResult['error']>;
}

@ApiTags('health')
@Audience('public')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly postgres: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  /** The process is up (for restarts by the orchestrator). */
  @Get('live')
  @ApiOkResponse({ description: 'The process is running' })
  live() {
    return { status: 'ok' };
  }

  /** Postgres and Redis reachable (for the load balancer); 503 names the one that failed. */
  @Get('ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOkResponse({ description: 'Postgres and Redis answer: { status: "ok", info: { postgres, redis } }' })
  @ApiServiceUnavailableResponse({ description: 'Not ready: `down` names the dependency that failed' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult | NotReadyBody> {
    try {
      return await this.health.check([
        () => this.postgres.pingCheck('postgres', { timeout: 1_500 }),
        () => this.redis.pingCheck('redis'),
      ]);
    } catch (error) {
      // Terminus reports failure as an exception whose body reuses the `error` field for the failed
      // checks; answered here so the 503 keeps the API's one error shape and is not logged as a crash.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      const down = result.error ?? {};
      void reply.status(503);
      return {
        statusCode: 503,
        error: reasonPhrase(503),
        message: `Not ready: ${Object.keys(down).join(', ')} down`,
        code: 'not_ready',
        info: result.info ?? {},
        down,
      };
    }
  }
}
