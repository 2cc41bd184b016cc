import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { alertsConfig, type AlertsConfig } from '../config/alerts.config';
import { JobName, QueueName, type JobOf } from '../queue/queue.constants';
import { ENQUEUE_TIMEOUT_MS, PRUNE_ALERTS_BATCH, PRUNE_ALERTS_EVERY_MS, withTimeout } from './alert-jobs';
import { AlertsRepository } from './alerts.repository';

/** Keeps the alerts table small: resolved alerts older than ALERT_RETENTION_DAYS go. Worker role only. */
@Injectable()
export class AlertsRetentionService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AlertsRetentionService.name);

  constructor(
    private readonly alerts: AlertsRepository,
    @InjectQueue(QueueName.Alerts) private readonly queue: Queue<JobOf<JobName.PruneAlerts>>,
    @Inject(alertsConfig.KEY) private readonly config: AlertsConfig,
  ) {}

  /** The repeat key (name + jobId + interval) makes every worker's registration the same job. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await withTimeout(
        this.queue.add(
          JobName.PruneAlerts,
          {},
          { repeat: { every: PRUNE_ALERTS_EVERY_MS }, jobId: JobName.PruneAlerts, attempts: 1 },
        ),
        ENQUEUE_TIMEOUT_MS,
        'The alerts queue',
      );
    } catch (error) {
      // Boot goes on; the next process start schedules it.
      this.logger.warn(
        { error: { message: (error as Error).message } },
        'Alert pruning could not be scheduled',
      );
    }
  }

  async prune(): Promise<number> {
    const deleted = await this.alerts.pruneResolved(this.config.retentionDays, PRUNE_ALERTS_BATCH);
    if (deleted > 0)
      this.logger.log({ deleted, retentionDays: this.config.retentionDays }, 'Pruned resolved alerts');
    return deleted;
  }
}
