import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { alertsConfig, type AlertsConfig } from '../config/alerts.config';
import { JobName, QueueName, type JobOf } from '../queue/queue.constants';
import { RepeatableJobs } from '../queue/repeatable-jobs';
import { PRUNE_ALERTS_BATCH, PRUNE_ALERTS_EVERY_MS } from './alert-jobs';
import { AlertsRepository } from './alerts.repository';

/** Keeps the alerts table small: resolved alerts older than ALERT_RETENTION_DAYS go. Worker role only. */
@Injectable()
export class AlertsRetentionService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AlertsRetentionService.name);

  constructor(
    private readonly alerts: AlertsRepository,
    @InjectQueue(QueueName.Alerts) private readonly queue: Queue<JobOf<JobName.PruneAlerts>>,
    @Inject(alertsConfig.KEY) private readonly config: AlertsConfig,
    private readonly repeatable: RepeatableJobs,
  ) {}

  onApplicationBootstrap(): void {
    this.repeatable.schedule(this.queue, JobName.PruneAlerts, PRUNE_ALERTS_EVERY_MS);
  }

  async prune(): Promise<number> {
    const deleted = await this.alerts.pruneResolved(this.config.retentionDays, PRUNE_ALERTS_BATCH);
    if (deleted > 0)
      this.logger.log({ deleted, retentionDays: this.config.retentionDays }, 'Pruned resolved alerts');
    return deleted;
  }
}
