import { BullModule } from '@nestjs/bull';
import { Module, type Provider } from '@nestjs/common';
import { workerOnly } from '../config/app-role';
import { ConversationsModule } from '../conversations/conversations.module';
import { PagesModule } from '../pages/pages.module';
import { QueueName } from '../queue/queue.constants';
import { OutboxAdminService } from './outbox-admin.service';
import { OutboxMaintenanceProcessor, OutboxMaintenanceScheduler } from './outbox-maintenance.processor';
import { OutboxRecoveryService } from './outbox-recovery.service';
import { OutboxRepository } from './outbox.repository';
import { PageSendLimiter } from './page-send-limiter';
import { RecipientResolver } from './recipient-resolver';
import { SendAttemptService } from './send-attempt.service';
import { SendController } from './send.controller';
import { SendProcessor } from './send.processor';
import { SendScheduler } from './send-scheduler';
import { SendService } from './send.service';
import { GraphModule } from '../graph/graph.module';
import { AlertsModule } from '../alerts/alerts.module';
import { RedisModule } from '../redis/redis.module';
import { QueueModule } from '../queue/queue.module';

/** The outbox: SendService for other modules, the send processor, pacing, recovery, admin endpoints. */
@Module({
  imports: [
    GraphModule,
    AlertsModule,
    RedisModule,
    QueueModule,
    PagesModule,
    ConversationsModule,
    BullModule.registerQueue({ name: QueueName.Outbound }, { name: QueueName.Maintenance }),
  ],
  controllers: [SendController],
  providers: [
    OutboxRepository,
    SendScheduler,
    SendService,
    OutboxAdminService,
    RecipientResolver,
    PageSendLimiter,
    SendAttemptService,
    OutboxRecoveryService,
    ...workerOnly<Provider>(SendProcessor, OutboxMaintenanceProcessor, OutboxMaintenanceScheduler),
  ],
  exports: [SendService],
})
export class SendModule {}
