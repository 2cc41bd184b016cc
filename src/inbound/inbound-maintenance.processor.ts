import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { inboundConfig, type InboundConfig } from '../config/inbound.config';
import { JobName, QueueName } from '../queue/queue.constants';
import { RepeatableJobs } from '../queue/repeatable-jobs';
import { InboxClaimsRepository } from '../inbox/inbox-claims.repository';
import { InboxWakeups } from '../inbox/inbox-wakeups';

const REVIVE_BATCH = 1_000;

/**
 * Wakes conversations a crashed worker left with a `processing` row. Bull re-runs a dead worker's
 * active job only after its lock expires, at most once, and the inbox reconciler looks at pending
 * rows only; a conversation whose last event was in flight would otherwise wait for its next event.
 */
@Processor(QueueName.Maintenance)
export class InboundMaintenanceProcessor {
  private readonly logger = new Logger(InboundMaintenanceProcessor.name);

  constructor(
    private readonly claims: InboxClaimsRepository,
    private readonly wakeups: InboxWakeups,
  ) {}

  @Process(JobName.ReviveInbound)
  async revive(): Promise<{ woken: number }> {
    const ids = await this.claims.findProcessingHeads(REVIVE_BATCH);
    await this.wakeups.wakeAgain(ids, 'revive');
    if (ids.length > 0)
      this.logger.debug({ conversations: ids.length }, 'Woke conversations with a processing row');
    return { woken: ids.length };
  }
}

/** Schedules the repeatable revive job once per deployment (worker role only). */
@Injectable()
export class InboundMaintenanceScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(InboundMaintenanceScheduler.name);

  constructor(
    @InjectQueue(QueueName.Maintenance) private readonly queue: Queue<Record<string, never>>,
    @Inject(inboundConfig.KEY) private readonly config: InboundConfig,
    private readonly repeatable: RepeatableJobs,
  ) {}

  onApplicationBootstrap(): void {
    this.repeatable.schedule(this.queue, JobName.ReviveInbound, this.config.reviveEveryMs);
  }
}
