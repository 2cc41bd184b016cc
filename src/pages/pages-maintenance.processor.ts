import { Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import { JobName, QueueName } from '../queue/queue.constants';
import { PagesHealthJob } from './pages-health.job';
import { TokenReencryptionService, type ReencryptionSummary } from './token-reencryption.service';
import type { PagesCheckSummary } from './page-health.service';

/** Maintenance queue, Pages' jobs: the periodic health check and token re-encryption. */
@Processor(QueueName.Maintenance)
export class PagesMaintenanceProcessor {
  private readonly logger = new Logger(PagesMaintenanceProcessor.name);

  constructor(
    private readonly health: PagesHealthJob,
    private readonly reencryption: TokenReencryptionService,
  ) {}

  @Process(JobName.CheckPages)
  async checkPages(): Promise<PagesCheckSummary | { skipped: 'already_running' }> {
    return this.health.run();
  }

  @Process(JobName.ReencryptTokens)
  async reencryptTokens(): Promise<Omit<ReencryptionSummary, 'failed'> & { failed: number }> {
    const summary = await this.reencryption.reencryptAll();
    if (summary.failed.length > 0)
      this.logger.error(
        { failed: summary.failed.map((f) => f.pageId) },
        'Some tokens could not be re-encrypted',
      );
    // The job's return value is stored in Redis: counts only.
    return { ...summary, failed: summary.failed.length };
  }
}
