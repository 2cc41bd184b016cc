import { Inject, Injectable, Logger } from '@nestjs/common';
import { inboxConfig, type InboxConfig } from '../config/inbox.config';
import { InboxService } from './inbox.service';
import { InboxWakeups } from './inbox-wakeups';

const BATCH_SIZE = 1_000;
// A run covers at most this many rows; the next run continues (it starts from the oldest again,
// but rows whose jobs are waiting cost one Redis read each).
const MAX_BATCHES_PER_RUN = 100;

/**
 * The safety net of the inbox: rows still pending INBOX_STALE_SECONDS after receipt get their wake-up
 * job back. Covers Redis outages during ingest, jobs lost with Redis data, and a 503 answered after
 * Postgres committed the rows anyway (store timeout).
 */
@Injectable()
export class InboxReconciler {
  private readonly logger = new Logger(InboxReconciler.name);

  constructor(
    private readonly inbox: InboxService,
    private readonly wakeups: InboxWakeups,
    @Inject(inboxConfig.KEY) private readonly config: InboxConfig,
  ) {}

  async reconcile(): Promise<{ stale: number; woken: number }> {
    let afterId = '0';
    let stale = 0;
    let woken = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
      const ids = await this.inbox.findStalePendingIds(this.config.staleSeconds, afterId, BATCH_SIZE);
      stale += ids.length;
      if (ids.length > 0) woken += await this.wakeups.ensureWoken(ids);
      if (ids.length < BATCH_SIZE) break;
      afterId = ids[ids.length - 1];
    }
    if (woken > 0) {
      this.logger.warn({ stale, woken }, 'Re-added wake-up jobs for stale inbox rows');
    } else if (stale > 0) {
      this.logger.debug({ stale }, 'Stale inbox rows all have waiting jobs');
    }
    return { stale, woken };
  }
}
