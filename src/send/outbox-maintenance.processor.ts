import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { sendConfig, type SendConfig } from '../config/send.config';
import { JobName, QueueName, type JobOf } from '../queue/queue.constants';
import { RepeatableJobs } from '../queue/repeatable-jobs';
import { OutboxRepository } from './outbox.repository';
import { OutboxRecoveryService } from './outbox-recovery.service';

const PRUNE_EVERY_MS = 60 * 60 * 1000;
const PRUNE_BATCH = 5_000;
// One prune run stops after this many batches so it never holds a worker for long; the next run goes on.
const PRUNE_MAX_BATCHES = 100;

/** The outbox's periodic jobs (worker role only): the recovery sweep and pruning of finished rows. */
@Processor(QueueName.Maintenance)
export class OutboxMaintenanceProcessor {
  private readonly logger = new Logger(OutboxMaintenanceProcessor.name);

  constructor(
    private readonly recovery: OutboxRecoveryService,
    private readonly outbox: OutboxRepository,
    @Inject(sendConfig.KEY) private readonly config: SendConfig,
  ) {}

  @Process(JobName.SweepOutbox)
  async sweep(): Promise<void> {
    await this.recovery.sweep();
  }

  @Process(JobName.PruneOutbox)
  async prune(): Promise<number> {
    let deleted = 0;
    for (let batch = 0; batch < PRUNE_MAX_BATCHES; batch++) {
      const n = await this.outbox.pruneFinished(this.config.retentionDays, PRUNE_BATCH);
      deleted += n;
      if (n < PRUNE_BATCH) break;
    }
    if (deleted > 0)
      this.logger.log(
        { deleted, retentionDays: this.config.retentionDays },
        'Pruned finished outbox messages',
      );
    return deleted;
  }
}

/** Registers the repeatable jobs; the repeat key (name + jobId + interval) dedupes across processes. */
@Injectable()
export class OutboxMaintenanceScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(OutboxMaintenanceScheduler.name);

  constructor(
    @InjectQueue(QueueName.Maintenance)
    private readonly queue: Queue<JobOf<JobName.SweepOutbox>>,
    @Inject(sendConfig.KEY) private readonly config: SendConfig,
    private readonly repeatable: RepeatableJobs,
  ) {}

  onApplicationBootstrap(): void {
    this.repeatable.schedule(this.queue, JobName.SweepOutbox, this.config.sweepIntervalMs);
    this.repeatable.schedule(this.queue, JobName.PruneOutbox, PRUNE_EVERY_MS);
  }
}
