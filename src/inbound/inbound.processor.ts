import { InjectQueue } from '@nestjs/bull';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { inboundConfig, type InboundConfig } from '../config/inbound.config';
import { startProcessing } from '../queue/job-producer';
import { JobName, QueueName, type JobOf } from '../queue/queue.constants';
import { ConversationDrainer } from './conversation-drainer';

type HandleEventJob = Job<JobOf<JobName.HandleEvent>>;

/**
 * Consumes HandleEvent wake-ups with INBOUND_CONCURRENCY parallel conversations (see startProcessing).
 * Worker role only.
 */
@Injectable()
export class InboundProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(InboundProcessor.name);

  constructor(
    @InjectQueue(QueueName.Inbound) private readonly queue: Queue<JobOf<JobName.HandleEvent>>,
    private readonly drainer: ConversationDrainer,
    @Inject(inboundConfig.KEY) private readonly config: InboundConfig,
  ) {}

  onApplicationBootstrap(): void {
    startProcessing(
      this.queue,
      JobName.HandleEvent,
      this.config.concurrency,
      (job) => this.handle(job),
      this.logger,
    );
  }

  /** Stop taking jobs and let running handlers finish before the lock pool and the database close. */
  async onModuleDestroy(): Promise<void> {
    await this.queue.close();
  }

  private async handle(job: HandleEventJob): Promise<void> {
    // Failures here are the database's or Redis's, not a handler's (those are retried per row); the
    // row went back to pending and has a retry job, and the inbox reconciler is the safety net.
    const { eventId, pageId, conversationKey } = job.data;
    await this.drainer.drainConversationOf(
      eventId,
      pageId !== undefined && conversationKey !== undefined ? { pageId, conversationKey } : undefined,
    );
  }
}
