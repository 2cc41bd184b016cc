import { Process, Processor } from '@nestjs/bull';
import { Inject, Logger } from '@nestjs/common';
import { inboxConfig, type InboxConfig } from '../config/inbox.config';
import { JobName, QueueName } from '../queue/queue.constants';
import { InboxReconciler } from './inbox-reconciler';
import { InboxService } from './inbox.service';

/**
 * The inbox's periodic jobs on the shared Maintenance queue. Named handlers only: other modules
 * register their own names on this queue, and an unnamed handler would steal their jobs.
 */
@Processor(QueueName.Maintenance)
export class InboxMaintenanceProcessor {
  private readonly logger = new Logger(InboxMaintenanceProcessor.name);

  constructor(
    private readonly reconciler: InboxReconciler,
    private readonly inbox: InboxService,
    @Inject(inboxConfig.KEY) private readonly config: InboxConfig,
  ) {}

  @Process(JobName.ReconcileInbox)
  async reconcile(): Promise<{ stale: number; woken: number }> {
    return this.reconciler.reconcile();
  }

  @Process(JobName.PruneInbox)
  async prune(): Promise<{ deleted: number }> {
    const deleted = await this.inbox.pruneHandled(this.config.retentionDays);
    if (deleted > 0)
      this.logger.log({ deleted, retentionDays: this.config.retentionDays }, 'Pruned handled inbox rows');
    return { deleted };
  }
}
