import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { pagesConfig, type PagesConfig } from '../config/pages.config';
import { RedisService } from '../redis/redis.service';
import { PageHealthService, type PagesCheckSummary } from './page-health.service';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * One run of the periodic health check at a time across the deployment: with 10,000 Pages a run may
 * outlast its interval, and two overlapping runs would double the Graph API traffic.
 */
@Injectable()
export class PagesHealthJob {
  private readonly logger = new Logger(PagesHealthJob.name);

  constructor(
    private readonly health: PageHealthService,
    private readonly redis: RedisService,
    @Inject(pagesConfig.KEY) private readonly config: PagesConfig,
  ) {}

  async run(): Promise<PagesCheckSummary | { skipped: 'already_running' }> {
    const lock = this.redis.key('pages', 'health-check', 'running');
    const owner = randomUUID();
    // Expires on its own if this process dies mid-run.
    const acquired = await this.redis.client.set(lock, owner, 'PX', this.config.healthCheckEveryMs * 2, 'NX');
    if (acquired !== 'OK') {
      this.logger.warn('Pages health check skipped: the previous run has not finished');
      return { skipped: 'already_running' };
    }
    try {
      return await this.health.checkAll();
    } finally {
      // Only our own lock: after an expiry another run may hold it.
      await this.redis.client.eval(RELEASE, 1, lock, owner).catch(() => undefined);
    }
  }
}
