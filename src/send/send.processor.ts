import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { sendConfig, type SendConfig } from '../config/send.config';
import { JobName, QueueName, type JobOf } from '../queue/queue.constants';
import { SendAttemptService } from './send-attempt.service';

/**
 * Consumes send jobs with SEND_CONCURRENCY parallel attempts per process. Registered with
 * queue.process() rather than @Process() because the decorator's concurrency is fixed at import time,
 * before the configuration is loaded; in onModuleInit, the moment @nestjs/bull starts its own
 * processors. Worker role only (workerOnly in SendModule).
 */
@Injectable()
export class SendProcessor implements OnModuleInit {
  private readonly logger = new Logger(SendProcessor.name);

  constructor(
    @InjectQueue(QueueName.Outbound) private readonly queue: Queue<JobOf<JobName.SendMessage>>,
    private readonly attempts: SendAttemptService,
    @Inject(sendConfig.KEY) private readonly config: SendConfig,
  ) {}

  onModuleInit(): void {
    // process() resolves only when the queue closes.
    this.queue
      .process(JobName.SendMessage, this.config.concurrency, (job: Job<JobOf<JobName.SendMessage>>) =>
        this.handle(job),
      )
      .catch((error: unknown) =>
        this.logger.error({ err: { message: (error as Error)?.message } }, 'Send processing stopped'),
      );
  }

  /** Unpacks and delegates. Every Graph outcome is recorded by SendAttemptService; what still throws
   * here (Postgres down) leaves the row for the outbox sweep, so Bull does not retry the job. */
  async handle(job: Job<JobOf<JobName.SendMessage>>): Promise<void> {
    try {
      await this.attempts.run(job.data.messageId);
    } catch (error) {
      this.logger.error(
        {
          messageId: job.data.messageId,
          err: { type: (error as Error)?.name, message: (error as Error)?.message },
        },
        'Send attempt failed unexpectedly; the outbox sweep will retry it',
      );
      throw error;
    }
  }
}
