import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { inboxConfig, type InboxConfig } from '../config/inbox.config';
import { JobName, QueueName } from '../queue/queue.constants';
import { RepeatableJobs } from '../queue/repeatable-jobs';

/** Schedules the inbox's repeatable jobs (worker role only): the reconciler and retention. */
@Injectable()
export class InboxMaintenanceScheduler implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(QueueName.Maintenance) private readonly queue: Queue<Record<string, never>>,
    @Inject(inboxConfig.KEY) private readonly config: InboxConfig,
    private readonly repeatable: RepeatableJobs,
  ) {}

  onApplicationBootstrap(): void {
    this.repeatable.schedule(this.queue, JobName.ReconcileInbox, this.config.reconcileEveryMs);
    this.repeatable.schedule(this.queue, JobName.PruneInbox, this.config.pruneEveryMs);
  }
}
