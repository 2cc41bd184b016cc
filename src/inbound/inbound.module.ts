import { BullModule } from '@nestjs/bull';
import { Module, type Provider } from '@nestjs/common';
import { BotCatalogModule } from '../bot-sdk/bot-catalog.module';
import { HandlerContextFactory } from '../bot-sdk/handler-context.factory';
import { workerOnly } from '../config/app-role';
import { ConversationsModule } from '../conversations/conversations.module';
import { InboxModule } from '../inbox/inbox.module';
import { PagesModule } from '../pages/pages.module';
import { QueueName } from '../queue/queue.constants';
import { SendModule } from '../send/send.module';
import { ConversationDrainer } from './conversation-drainer';
import { ConversationLocks } from './conversation-locks';
import { EventDispatcher } from './event-dispatcher';
import { InboundMaintenanceProcessor, InboundMaintenanceScheduler } from './inbound-maintenance.processor';
import { InboundMetrics } from './inbound.metrics';
import { InboundProcessor } from './inbound.processor';
import { AlertsModule } from '../alerts/alerts.module';
import { QueueModule } from '../queue/queue.module';

/**
 * Turns inbox rows into bot behaviour (worker role): the processor claims a conversation, hands its
 * pending events to the Page's bot in batches, and commits their outcomes with their replies.
 */
@Module({
  imports: [
    AlertsModule,
    QueueModule,
    BotCatalogModule,
    InboxModule,
    PagesModule,
    ConversationsModule,
    SendModule,
    BullModule.registerQueue({ name: QueueName.Inbound }, { name: QueueName.Maintenance }),
  ],
  providers: [
    InboundMetrics,
    ...workerOnly<Provider>(
      InboundProcessor,
      ConversationDrainer,
      ConversationLocks,
      EventDispatcher,
      HandlerContextFactory,
      InboundMaintenanceProcessor,
      InboundMaintenanceScheduler,
    ),
  ],
  exports: [InboundMetrics],
})
export class InboundModule {}
