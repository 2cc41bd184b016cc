import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { pagesConfig, type PagesConfig } from '../config/pages.config';
import { JobName, QueueName } from '../queue/queue.constants';
import { RepeatableJobs } from '../queue/repeatable-jobs';

/** Schedules the Pages' repeatable jobs (worker role only): the health check and token re-encryption. */
@Injectable()
export class PagesMaintenanceScheduler implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(QueueName.Maintenance) private readonly queue: Queue<Record<string, never>>,
    @Inject(pagesConfig.KEY) private readonly config: PagesConfig,
    private readonly repeatable: RepeatableJobs,
  ) {}

  onApplicationBootstrap(): void {
    this.repeatable.schedule(this.queue, JobName.CheckPages, this.config.healthCheckEveryMs);
    this.repeatable.schedule(this.queue, JobName.ReencryptTokens, this.config.reencryptEveryMs);
  }
}
