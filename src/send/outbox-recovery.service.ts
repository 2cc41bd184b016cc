import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { filter, type Subscription } from 'rxjs';
import { AlertsService } from '../alerts/alerts.service';
import { sendConfig, type SendConfig } from '../config/send.config';
import { PageStatusEvents } from '../pages/page-status.events';
import { PageNotFoundError } from '../pages/pages.errors';
import { PagesService } from '../pages/pages.service';
import { OutboxRepository } from './outbox.repository';
import { sendFailedAlert } from './send-failed.alert';
import { SendScheduler } from './send-scheduler';

const SWEEP_BATCH = 500;
const HELD_PAGES_PER_SWEEP = 200;
const HOLDING_STATUSES = new Set(['paused', 'token_invalid']);
// Following a Page's status re-reads it after acting; a status flipping this often is left to the sweep.
const MAX_FOLLOW_ROUNDS = 3;

export interface SweepReport {
  recoveredSending: number;
  failedSending: number;
  requeued: number;
  releasedPages: number;
  heldPages: number;
}

/**
 * Gets stuck messages moving again: held messages when their Page is active again, queued messages
 * whose job was lost (Redis flushed, an add that failed), and `sending` rows whose worker died; and
 * holds the queued messages of a Page that went on hold. The hold and the release on
 * PageStatusEvents run in every role (the status change happens where the admin call, the health
 * check or the send attempt ran); the periodic sweep, worker-only, is the backstop for all of them,
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
      .pipe(filter((change) => change.status === 'active' || HOLDING_STATUSES.has(change.status)))
      // Subscribers must not throw (PageStatusEvents): followPageStatus catches everything.
      .subscribe((change) => void this.followPageStatus(change.pageId, HOLDING_STATUSES.has(change.status)));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  /**
   * Brings the Page's waiting messages in line with its status: on hold (paused, token_invalid), every
   * queued message is held; otherwise held messages are released. Called after a status change was
   * committed (`onHold` is that status) and by the sweep (`onHold` undefined: read it).
   *
   * Why the hold is needed: a send job claims a message, then reads the Page (from a cache of a few
   * seconds, see PagesService), so a job that read it as active just before the hold was committed
   * leaves its message queued: the lane's head goes on to be held, and a message behind it, whose job
   * found it was not its turn, is never looked at again. Holding every queued message after the commit
   * reaches them all, and a claim takes only a queued message; a job of this process that starts
   * after the commit reads the new status (the commit dropped the cached one) and holds its message.
   *
   * Two changes in a row (a pause, then a resume) run concurrently and their statements may land in
   * either order: after acting, the status is read again, and the last change always wins.
   */
  async followPageStatus(pageId: string, onHold?: boolean): Promise<'held' | 'released' | 'none'> {
    try {
      let hold = onHold ?? (await this.isOnHold(pageId));
      let moved = 0;
      for (let round = 0; round < MAX_FOLLOW_ROUNDS; round++) {
        moved = hold ? await this.holdQueued(pageId) : await this.releaseHeld(pageId);
        const now = await this.isOnHold(pageId);
        if (now === hold) break;
        hold = now;
      }
      return moved === 0 ? 'none' : hold ? 'held' : 'released';
    } catch (error) {
      this.logger.error(
        { pageId, err: { message: (error as Error)?.message } },
        "Page's waiting messages not held or released; the sweep retries",
      );
      return 'none';
    }
  }

  /** The Page may send again: its held messages are queued, and each lane's first one gets a job. */
  private async releaseHeld(pageId: string): Promise<number> {
    const heads = await this.outbox.releaseHeld(pageId);
    for (const head of heads) await this.scheduler.enqueue(head);
    if (heads.length > 0) this.logger.log({ pageId, lanes: heads.length }, 'Held messages released');
    return heads.length;
  }

  private async holdQueued(pageId: string): Promise<number> {
    const held = await this.outbox.holdQueuedOfPage(pageId);
    if (held > 0) this.logger.log({ pageId, messages: held }, 'Queued messages held: the Page is on hold');
    return held;
  }

  /** Read fresh, never from a cache: the decision must see the latest committed status. */
  private async isOnHold(pageId: string): Promise<boolean> {
    try {
      return HOLDING_STATUSES.has((await this.pages.findById(pageId)).status);
    } catch (error) {
      // An unknown Page's messages are released: they then fail with a clear error.
      if (error instanceof PageNotFoundError) return false;
      throw error;
    }
  }

  async sweep(): Promise<SweepReport> {
    const report: SweepReport = {
      recoveredSending: 0,
      failedSending: 0,
      requeued: 0,
      releasedPages: 0,
      heldPages: 0,
    };

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

    // Pages with held messages: released when no longer on hold (the status changed in another
    // process, or a release was missed; a removed Page's messages are released too, and then fail with
    // a clear error); still on hold, their queued messages are held (a process that stopped between
    // committing the hold and holding them).
    for (const pageId of await this.outbox.pagesWithHeld(HELD_PAGES_PER_SWEEP)) {
      const outcome = await this.followPageStatus(pageId);
      if (outcome === 'released') report.releasedPages++;
      else if (outcome === 'held') report.heldPages++;
    }

    if (Object.values(report).some((n) => n > 0)) {
      this.logger.warn({ ...report }, 'Outbox sweep moved stuck messages');
    }
    return report;
  }
}
