import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { pagesConfig, type PagesConfig } from '../config/pages.config';
import { JobName, QueueName } from '../queue/queue.constants';

type PagesMaintenanceJob = JobName.CheckPages | JobName.ReencryptTokens;

/**
 * Schedules the Pages' repeatable jobs (worker role only): the health check and token re-encryption.
 * Repeat keys are shared through Redis, so each runs once per interval for the whole deployment.
 */
@Injectable()
export class PagesMaintenanceScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(PagesMaintenanceScheduler.name);

  constructor(
    @InjectQueue(QueueName.Maintenance) private readonly queue: Queue<Record<string, never>>,
    @Inject(pagesConfig.KEY) private readonly config: PagesConfig,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: a worker that boots while Redis is down must still start.
    void this.schedule().catch((error: Error) =>
      this.logger.error(
        { err: { type: error.name, message: error.message } },
        'Could not schedule page jobs',
      ),
    );
  }

  async schedule(): Promise<void> {
    await this.repeat(JobName.CheckPages, this.config.healthCheckEveryMs);
    await this.repeat(JobName.ReencryptTokens, this.config.reencryptEveryMs);
  }

  private async repeat(name: PagesMaintenanceJob, every: number): Promise<void> {
    // A changed interval would otherwise leave the old schedule running beside the new one.
    for (const job of await this.queue.getRepeatableJobs()) {
      if (job.name === (name as string) && Number(job.every) !== every)
        await this.queue.removeRepeatableByKey(job.key);
    }
    await this.queue.add(name, {}, { repeat: { every }, jobId: name, attempts: 1 });
  }
}
