import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { JobName, QueueName, type JobOf } from '../queue/queue.constants';

/** Wake-up jobs are signals; a finished one must not keep its id (see InboxWakeups). */
const JOB_OPTIONS = { removeOnComplete: true, removeOnFail: true } as const;
const ADD_TIMEOUT_MS = 2_000;

/**
 * The processor's own wake-ups, beside the webhook's: a delayed one for an event waiting out its
 * backoff, immediate ones for replays, long conversations and revived ones. Never throws: if Redis is down, the inbox reconciler wakes pending rows later.
 */
@Injectable()
export class InboundWakeups {
  private readonly logger = new Logger(InboundWakeups.name);

  constructor(@InjectQueue(QueueName.Inbound) private readonly queue: Queue<JobOf<JobName.HandleEvent>>) {}

  /**
   * One job per (row, attempt, due time): whoever finds the row waiting re-adds the same id, a no-op
   * while the job exists. The due time is the row's `next_attempt_at`, stored to the millisecond.
   */
  async retryLater(eventId: string, attempt: number, dueAt: Date): Promise<void> {
    const delay = Math.max(0, dueAt.getTime() - Date.now());
    await this.add([{ eventId, jobId: `${eventId}:retry:${attempt}:${dueAt.getTime()}`, delay }]);
  }

  /**
   * Immediate wake-ups with ids of their own (the row's original job id may still be taken):
   * `replay` after an operator's replay, `continue` for a long conversation going to the back of the
   * queue, `revive` for a conversation whose worker died mid-event.
   */
  async wake(eventIds: readonly string[], reason: 'replay' | 'continue' | 'revive'): Promise<void> {
    const tag = Date.now();
    await this.add(eventIds.map((eventId) => ({ eventId, jobId: `${eventId}:${reason}:${tag}`, delay: 0 })));
  }

  private async add(jobs: Array<{ eventId: string; jobId: string; delay: number }>): Promise<void> {
    if (jobs.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      // Bull's client queues commands while Redis is away; a worker must not wait on it for ever.
      if (this.queue.client.status !== 'ready') throw new Error('Redis is not connected');
      const adding = this.queue.addBulk(
        jobs.map((j) => ({
          name: JobName.HandleEvent,
          data: { eventId: j.eventId },
          opts: { ...JOB_OPTIONS, jobId: j.jobId, ...(j.delay > 0 ? { delay: j.delay } : {}) },
        })),
      );
      await Promise.race([
        adding,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('Redis did not answer in time')), ADD_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      this.logger.warn(
        { err: { message: (error as Error).message }, count: jobs.length },
        'Could not add inbound wake-up jobs; the inbox reconciler will wake the rows',
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
