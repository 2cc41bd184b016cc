import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { sendConfig, type SendConfig } from '../config/send.config';
import { startProcessing } from '../queue/job-producer';
import { JobName, QueueName, type JobOf } from '../queue/queue.constants';
import { SendAttemptService } from './send-attempt.service';

/**
 * Consumes send jobs with SEND_CONCURRENCY parallel attempts per process (see startProcessing).
 * Worker role only (workerOnly in SendModule).
 */
@Injectable()
export class SendProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(SendProcessor.name);

  constructor(
    @InjectQueue(QueueName.Outbound) private readonly queue: Queue<JobOf<JobName.SendMessage>>,
    private readonly attempts: SendAttemptService,
    @Inject(sendConfig.KEY) private readonly config: SendConfig,
  ) {}

  onApplicationBootstrap(): void {
    startProcessing(
      this.queue,
      JobName.SendMessage,
      this.config.concurrency,
      (job) => this.handle(job),
      this.logger,
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
