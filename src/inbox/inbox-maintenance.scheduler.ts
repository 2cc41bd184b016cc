import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { inboxConfig, type InboxConfig } from '../config/inbox.config';
import { JobName, QueueName } from '../queue/queue.constants';

type InboxMaintenanceJob = JobName.ReconcileInbox | JobName.PruneInbox;

/**
 * Schedules the inbox's repeatable jobs (worker role only). Repeat keys are shared through Redis, so
 * however many workers start, each job runs once per interval for the whole deployment.
 */
@Injectable()
export class InboxMaintenanceScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(InboxMaintenanceScheduler.name);

  constructor(
    @InjectQueue(QueueName.Maintenance) private readonly queue: Queue<Record<string, never>>,
    @Inject(inboxConfig.KEY) private readonly config: InboxConfig,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: a worker that boots while Redis is down must still start (Bull adds it on reconnect).
    void this.schedule().catch((error: Error) =>
      this.logger.error(
        { err: { type: error.name, message: error.message } },
        'Could not schedule inbox jobs',
      ),
    );
  }

  async schedule(): Promise<void> {
    await this.repeat(JobName.ReconcileInbox, this.config.reconcileEveryMs);
    await this.repeat(JobName.PruneInbox, this.config.pruneEveryMs);
  }

  private async repeat(name: InboxMaintenanceJob, every: number): Promise<void> {
    // A changed interval would otherwise leave the old schedule running beside the new one.
    for (const job of await this.queue.getRepeatableJobs()) {
      if (job.name === String(name) && Number(job.every) !== every)
        await this.queue.removeRepeatableByKey(job.key);
    }
    await this.queue.add(name, {}, { repeat: { every }, jobId: name });
  }
}
