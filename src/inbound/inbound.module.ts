import { BullModule } from '@nestjs/bull';
import { Module, type Provider } from '@nestjs/common';
import { workerOnly } from '../config/app-role';
import { ConversationsModule } from '../conversations/conversations.module';
import { PagesModule } from '../pages/pages.module';
import { QueueName } from '../queue/queue.constants';
import { SendModule } from '../send/send.module';
import { BotCatalogModule } from '../bot-sdk/bot-catalog.module';
import { ConversationDrainer } from './conversation-drainer';
import { ConversationLocks } from './conversation-locks';
import { EventDispatcher } from './event-dispatcher';
import { EventReplayController } from './event-replay.controller';
import { EventReplayService } from './event-replay.service';
import { HandlerContextFactory } from '../bot-sdk/handler-context.factory';
import { InboxClaimsRepository } from './inbox-claims.repository';
import { InboundMaintenanceProcessor, InboundMaintenanceScheduler } from './inbound-maintenance.processor';
import { InboundMetrics } from './inbound.metrics';
import { InboundProcessor } from './inbound.processor';
import { InboundWakeups } from './inbound-wakeups';

/**
 * Turns inbox rows into bot behaviour: the processor (worker role), conversation claims, handler
 * routing, and the replay endpoints. Bots are any providers marked @Bot, anywhere in the app.
 */
@Module({
  imports: [
    BotCatalogModule,
    PagesModule,
    ConversationsModule,
    SendModule,
    BullModule.registerQueue({ name: QueueName.Inbound }, { name: QueueName.Maintenance }),
  ],
  controllers: [EventReplayController],
  providers: [
    InboxClaimsRepository,
    InboundWakeups,
    InboundMetrics,
    EventReplayService,
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
