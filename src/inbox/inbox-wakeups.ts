import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { webhookConfig, type WebhookConfig } from '../config/webhook.config';
import { addJobs, type NewJob } from '../queue/job-producer';
import { JOB_OPTIONS, JobName, QueueName, type JobOf } from '../queue/queue.constants';
import type { InsertedRow } from './inbox.writer';

type HandleEventQueue = Queue<JobOf<JobName.HandleEvent>>;

const LOG_EVERY_MS = 10_000;
// The processor and the reconciler are not answering Facebook: they may wait longer than the webhook.
const PROCESSOR_ADD_TIMEOUT_MS = 2_000;
const RECONCILE_ADD_TIMEOUT_MS = 10_000;

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

/**
 * Every HandleEvent wake-up: the webhook's (job id = row id, so adding twice is a no-op), the
 * reconciler's, and the processor's own (retries, replays, long conversations, revived ones).
 */
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
    // The job names its conversation, so the worker need not look it up from the row.
    const byId = new Map(rows.map((r) => [r.id, r]));
    const jobs = ids.map((id) =>
      this.jobFor(id, id, { pageId: byId.get(id)!.pageId, conversationKey: byId.get(id)!.conversationKey }),
    );
    try {
      await addJobs(this.queue, jobs, this.config.enqueueTimeoutMs);
      return true;
    } catch (error) {
      this.warn(ids.length, (error as Error).message);
      return false;
    }
  }

  /**
   * The processor's wake-up for a row waiting out its backoff: one job per (row, attempt, due time),
   * so whoever finds the row waiting re-adds the same id, a no-op while the job exists. Never throws.
   */
  async retryLater(eventId: string, attempt: number, dueAt: Date): Promise<void> {
    const delay = Math.max(0, dueAt.getTime() - Date.now());
    const job = this.jobFor(eventId, `${eventId}:retry:${attempt}:${dueAt.getTime()}`);
    await this.addOrLeave([{ ...job, opts: { ...job.opts, ...(delay > 0 ? { delay } : {}) } }]);
  }

  /**
   * Immediate wake-ups with ids of their own (the row's original job id may still be taken):
   * `replay` after an operator's replay, `continue` for a long conversation going to the back of the
   * queue, `revive` for a conversation whose worker died mid-event. Never throws.
   */
  async wakeAgain(eventIds: readonly string[], reason: 'replay' | 'continue' | 'revive'): Promise<void> {
    const tag = Date.now();
    await this.addOrLeave(eventIds.map((id) => this.jobFor(id, `${id}:${reason}:${tag}`)));
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
    await addJobs(
      this.queue,
      missing.map((id) => this.jobFor(id, id)),
      RECONCILE_ADD_TIMEOUT_MS,
    );
    return missing.length;
  }

  private jobFor(eventId: string, jobId: string, conversation?: { pageId: string; conversationKey: string }) {
    return {
      name: JobName.HandleEvent,
      data: { eventId, ...conversation },
      opts: { ...JOB_OPTIONS[JobName.HandleEvent], jobId },
    };
  }

  // If Redis is down, the inbox reconciler wakes pending rows later.
  private async addOrLeave(jobs: ReadonlyArray<NewJob<JobOf<JobName.HandleEvent>>>): Promise<void> {
    try {
      await addJobs(this.queue, jobs, PROCESSOR_ADD_TIMEOUT_MS);
    } catch (error) {
      this.logger.warn(
        { err: { message: (error as Error).message }, count: jobs.length },
        'Could not add inbound wake-up jobs; the inbox reconciler will wake the rows',
      );
    }
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
