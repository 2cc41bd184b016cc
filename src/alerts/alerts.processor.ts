import { OnQueueFailed, Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { JobName, QueueName, type JobOf } from '../queue/queue.constants';
import { AlertDeliveryService } from './alert-delivery.service';
import { AlertsRetentionService } from './alerts-retention.service';

/** Alerts queue: delivery (a thrown sink error means Bull retries with backoff) and retention. */
@Processor(QueueName.Alerts)
export class AlertsProcessor {
  private readonly logger = new Logger(AlertsProcessor.name);

  constructor(
    private readonly delivery: AlertDeliveryService,
    private readonly retention: AlertsRetentionService,
  ) {}

  @Process(JobName.DeliverAlert)
  async deliver(job: Job<JobOf<JobName.DeliverAlert>>): Promise<void> {
    const { alertId, occurrence } = job.data;
    await this.delivery.deliver(alertId, occurrence, job.attemptsMade === 0);
  }

  @Process(JobName.PruneAlerts)
  async prune(): Promise<void> {
    await this.retention.prune();
  }

  @OnQueueFailed()
  onFailed(job: Job<{ alertId?: string }>, error: Error): void {
    const attempts = job.opts.attempts ?? 1;
    const exhausted = job.attemptsMade >= attempts;
    const line = {
      job: { name: job.name, id: job.id, attemptsMade: job.attemptsMade, attempts },
      alert: job.data?.alertId ? { id: job.data.alertId } : undefined,
      error: { type: error.name, message: error.message },
    };
    if (exhausted) this.logger.error(line, 'Alert job failed for good');
    else this.logger.warn(line, 'Alert job failed; will retry');
  }
}
