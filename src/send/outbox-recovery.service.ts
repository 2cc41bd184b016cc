import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { filter, type Subscription } from 'rxjs';
import { AlertsService } from '../alerts/alerts.service';
import { sendConfig, type SendConfig } from '../config/send.config';
import { PageStatusEvents } from '../pages/page-status.events';
import { PagesService } from '../pages/pages.service';
import { OutboxRepository } from './outbox.repository';
import { sendFailedAlert } from './send-failed.alert';
import { SendScheduler } from './send-scheduler.service';

const SWEEP_BATCH = 500;
const HELD_PAGES_PER_SWEEP = 200;
const HOLDING_STATUSES = new Set(['paused', 'token_invalid']);

export interface SweepReport {
  recoveredSending: number;
  failedSending: number;
  requeued: number;
  releasedPages: number;
}

/**
 * Gets stuck messages moving again: held messages when their Page is active again, queued messages
 * whose job was lost (Redis flushed, an add that failed), and `sending` rows whose worker died.
 * The release on PageStatusEvents runs in every role (the status change happens where the admin
 * call or the health check ran); the periodic sweep, worker-only, is the backstop for all three,
 * including status changes made by other processes.
 */
@Injectable()
export class OutboxRecoveryService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(OutboxRecoveryService.name);
  private subscription?: Subscription;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly scheduler: SendScheduler,
    private readonly pages: PagesService,
    private readonly events: PageStatusEvents,
    private readonly alerts: AlertsService,
    @Inject(sendConfig.KEY) private readonly config: SendConfig,
  ) {}

  onModuleInit(): void {
    this.subscription = this.events.changes$
      .pipe(filter((change) => change.status === 'active'))
      // Subscribers must not throw (PageStatusEvents): releaseHeld catches everything.
      .subscribe((change) => void this.releaseHeld(change.pageId));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  /** The Page may send again: its held messages are queued, and each lane's first one gets a job. */
  async releaseHeld(pageId: string): Promise<number> {
    try {
      const heads = await this.outbox.releaseHeld(pageId);
      for (const head of heads) await this.scheduler.enqueue(head);
      if (heads.length > 0) this.logger.log({ pageId, lanes: heads.length }, 'Held messages released');
      return heads.length;
    } catch (error) {
      this.logger.error(
        { pageId, err: { message: (error as Error)?.message } },
        'Held messages not released; the sweep retries',
      );
      return 0;
    }
  }

  async sweep(): Promise<SweepReport> {
    const report: SweepReport = { recoveredSending: 0, failedSending: 0, requeued: 0, releasedPages: 0 };

    // A row `sending` for longer than any Graph call can take (GRAPH_API_TIMEOUT_MS) lost its worker.
    // Re-sending it is the one path to a duplicate (see SendAttemptService).
    for (const row of await this.outbox.recoverStaleSending(
      this.config.staleSendingSeconds,
      this.config.maxAttempts,
      SWEEP_BATCH,
    )) {
      if (row.status === 'failed') {
        report.failedSending++;
        await this.alerts.raise(sendFailedAlert(row, row.lastError!));
        await this.scheduler.wakeLane(row.pageId, row.recipientKey);
      } else {
        report.recoveredSending++;
        await this.scheduler.enqueue(row);
      }
    }

    // Lane heads long past due: requeue only when Bull has no job for the row's current state, so a
    // busy queue (jobs waiting for a worker) is not flooded with duplicates.
    for (const head of await this.outbox.staleQueuedHeads(this.config.staleQueuedSeconds, SWEEP_BATCH)) {
      if (await this.scheduler.hasLiveJob(head)) continue;
      const touched = await this.outbox.touchIfUnchanged(head);
      if (touched && (await this.scheduler.enqueue(touched))) report.requeued++;
    }

    // Held messages of Pages that are no longer on hold (the status changed in another process, or a
    // release was missed). A removed Page's messages are released too: they then fail with a clear error.
    for (const pageId of await this.outbox.pagesWithHeld(HELD_PAGES_PER_SWEEP)) {
      const routing = await this.pages.getRouting(pageId);
      if (routing && HOLDING_STATUSES.has(routing.status)) continue;
      if ((await this.releaseHeld(pageId)) > 0) report.releasedPages++;
    }

    if (report.recoveredSending + report.failedSending + report.requeued + report.releasedPages > 0) {
      this.logger.warn({ ...report }, 'Outbox sweep moved stuck messages');
    }
    return report;
  }
}
