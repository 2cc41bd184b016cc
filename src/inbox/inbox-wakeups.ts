import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { JobOptions, Queue } from 'bull';
import { webhookConfig, type WebhookConfig } from '../config/webhook.config';
import { JobName, QueueName, type JobOf } from '../queue/queue.constants';
import type { InsertedRow } from './inbox.writer';

/**
 * A wake-up job only says "row N is waiting"; the row's status is the truth. Finished jobs are
 * removed so the id is free again: a job id that still exists makes a re-add a no-op, which is what
 * dedups redeliveries while the job waits, but would stop the reconciler from waking the row later.
 */
export const HANDLE_EVENT_JOB_OPTIONS: JobOptions = { removeOnComplete: true, removeOnFail: true };

type HandleEventQueue = Queue<JobOf<JobName.HandleEvent>>;

const LOG_EVERY_MS = 10_000;

/**
 * The worker drains a whole conversation from any of its rows, so a batch needs one wake-up per
 * conversation: its oldest new row's (job id = row id, as the reconciler's per-row jobs).
 */
export function oldestRowPerConversation(rows: readonly InsertedRow[]): string[] {
  const oldest = new Map<string, bigint>();
  for (const row of rows) {
    const key = `${row.pageId}\n${row.conversationKey}`;
    const id = BigInt(row.id);
    const seen = oldest.get(key);
    if (seen === undefined || id < seen) oldest.set(key, id);
  }
  return [...oldest.values()].map(String);
}

/** Adds HandleEvent wake-up jobs for inbox rows (job id = row id, so adding twice is a no-op). */
@Injectable()
export class InboxWakeups {
  private readonly logger = new Logger(InboxWakeups.name);
  private lastWarnAt = 0;
  private unloggedFailures = 0;

  constructor(
    @InjectQueue(QueueName.Inbound) private readonly queue: HandleEventQueue,
    @Inject(webhookConfig.KEY) private readonly config: WebhookConfig,
  ) {}

  /**
   * The webhook's fast path: one job per conversation of an insert batch, all in one Redis round
   * trip (addBulk pipelines), bounded by WEBHOOK_ENQUEUE_TIMEOUT_MS. Never throws; false means the
   * jobs may not exist, and the reconciler will add them (the rows are safe).
   */
  async wake(rows: readonly InsertedRow[]): Promise<boolean> {
    if (rows.length === 0) return true;
    const ids = oldestRowPerConversation(rows);
    // Bull's client queues commands while disconnected; do not pile them up during an outage.
    if (this.queue.client.status !== 'ready') {
      this.warn(ids.length, 'Redis is not connected');
      return false;
    }
    // The job names its conversation, so the worker need not look it up from the row.
    const byId = new Map(rows.map((r) => [r.id, r]));
    let timer: NodeJS.Timeout | undefined;
    const adding = this.queue.addBulk(
      ids.map((id) =>
        this.jobFor(id, { pageId: byId.get(id)!.pageId, conversationKey: byId.get(id)!.conversationKey }),
      ),
    );
    try {
      await Promise.race([
        adding,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error('Redis did not answer in time')),
            this.config.enqueueTimeoutMs,
          );
        }),
      ]);
      return true;
    } catch (error) {
      this.warn(ids.length, (error as Error).message);
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * For the reconciler: makes sure each row has a job that will still run. A waiting, delayed or
   * active job is left alone; a finished one (kept by older options) is replaced. Returns how many
   * jobs were added. Throws when Redis is unreachable (the reconcile run fails and the next retries).
   */
  async ensureWoken(ids: readonly string[]): Promise<number> {
    const existing = await Promise.all(ids.map((id) => this.queue.getJob(id)));
    const missing: string[] = [];
    await Promise.all(
      existing.map(async (job, i) => {
        if (!job) {
          missing.push(ids[i]);
        } else if (job.finishedOn) {
          await job.remove();
          missing.push(ids[i]);
        }
      }),
    );
    if (missing.length > 0) await this.queue.addBulk(missing.map((id) => this.jobFor(id)));
    return missing.length;
  }

  private jobFor(id: string, conversation?: { pageId: string; conversationKey: string }) {
    return {
      name: JobName.HandleEvent,
      data: { eventId: id, ...conversation },
      opts: { ...HANDLE_EVENT_JOB_OPTIONS, jobId: id },
    };
  }

  /** At most one line per 10 s during an outage, with how many wake-ups were skipped. */
  private warn(count: number, reason: string): void {
    this.unloggedFailures += count;
    const now = Date.now();
    if (now - this.lastWarnAt < LOG_EVERY_MS) return;
    this.logger.warn(
      { skippedWakeups: this.unloggedFailures, reason },
      'Could not add wake-up jobs; the inbox reconciler will add them',
    );
    this.lastWarnAt = now;
    this.unloggedFailures = 0;
  }
}
