import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { JobOptions, Queue } from 'bull';
import { addJobs } from '../queue/job-producer';
import { JOB_OPTIONS, JobName, QueueName, type JobOf } from '../queue/queue.constants';
import type { OutboundMessage } from './outbound-message.entity';
import { OutboxRepository } from './outbox.repository';

// A send that cannot reach Redis is left to the outbox sweep rather than held up.
const ENQUEUE_TIMEOUT_MS = 2_000;

/**
 * A send job's id names the row state it was scheduled for: `${id}:${attempts}:${nextAttemptAt ms}`.
 * Every change that needs a new run (a retry, a pacing delay, a lane moving on, a release, the sweep)
 * changes attempts or next_attempt_at, so it gets a new id, while two parts of the system scheduling
 * the same state collapse into one job (Bull ignores an add whose id exists). The sweep can also ask
 * Bull whether the job for a row's current state still exists before adding one.
 */
export function sendJobId(message: Pick<OutboundMessage, 'id' | 'attempts' | 'nextAttemptAt'>): string {
  return `${message.id}:${message.attempts}:${message.nextAttemptAt.getTime()}`;
}

/** Adds send jobs. Never throws: a job that could not be added is found again by the outbox sweep. */
@Injectable()
export class SendScheduler {
  private readonly logger = new Logger(SendScheduler.name);

  constructor(
    @InjectQueue(QueueName.Outbound) private readonly queue: Queue<JobOf<JobName.SendMessage>>,
    private readonly outbox: OutboxRepository,
  ) {}

  async enqueue(message: OutboundMessage, delayMs = 0): Promise<boolean> {
    try {
      await addJobs(
        this.queue,
        [{ name: JobName.SendMessage, data: { messageId: message.id }, opts: jobOptions(message, delayMs) }],
        ENQUEUE_TIMEOUT_MS,
      );
      return true;
    } catch (error) {
      this.logger.warn(
        { messageId: message.id, err: { message: (error as Error)?.message } },
        'Send job not added (Redis?); the outbox sweep will pick the message up',
      );
      return false;
    }
  }

  /**
   * Jobs for messages committed together (call it after the commit), in one Redis round trip. Only
   * the earliest queued message of each lane gets a job: the lane starts the ones behind it when its
   * turn comes (SendAttemptService), so their own jobs would only find it was not their turn. Held
   * messages get none (released with their Page).
   */
  async enqueueMany(messages: OutboundMessage[]): Promise<boolean> {
    const heads = new Map<string, OutboundMessage>();
    for (const message of messages) {
      if (message.status !== 'queued') continue;
      const lane = JSON.stringify([message.pageId, message.recipientKey]);
      const earlier = heads.get(lane);
      if (!earlier || BigInt(message.seq) < BigInt(earlier.seq)) heads.set(lane, message);
    }
    if (heads.size === 0) return true;
    try {
      await addJobs(
        this.queue,
        [...heads.values()].map((message) => ({
          name: JobName.SendMessage,
          data: { messageId: message.id },
          opts: jobOptions(message, 0),
        })),
        ENQUEUE_TIMEOUT_MS,
      );
      return true;
    } catch (error) {
      this.logger.warn(
        { messages: heads.size, err: { message: (error as Error)?.message } },
        'Send jobs not added (Redis?); the outbox sweep will pick the messages up',
      );
      return false;
    }
  }

  /**
   * The lane's head left it without a send job going on to the next (a cancel, the sweep failing it,
   * a job handing a busy lane back to the queue): start the next message of the lane, if it is due.
   */
  async wakeLane(pageId: string, recipientKey: string): Promise<void> {
    try {
      const next = await this.outbox.touchDueLaneHead(pageId, recipientKey);
      if (next) await this.enqueue(next);
    } catch (error) {
      this.logger.warn(
        { pageId, err: { message: (error as Error)?.message } },
        'Lane not woken; the outbox sweep will',
      );
    }
  }

  /** True when Bull still has a pending or running job for this row state (so nothing is lost). */
  async hasLiveJob(message: OutboundMessage): Promise<boolean> {
    const job = await this.queue.getJob(sendJobId(message));
    if (!job) return false;
    const state = await job.getState();
    return state === 'waiting' || state === 'delayed' || state === 'active' || state === 'paused';
  }
}

function jobOptions(message: OutboundMessage, delayMs: number): JobOptions {
  return {
    ...JOB_OPTIONS[JobName.SendMessage],
    jobId: sendJobId(message),
    delay: Math.max(0, Math.round(delayMs)),
  };
}
