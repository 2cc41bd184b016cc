import { BullModule } from '@nestjs/bull';
import { Module, type Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { workerOnly } from '../config/app-role';
import { PagesModule } from '../pages/pages.module';
import { QueueName } from '../queue/queue.constants';
import { EventReplayService } from './event-replay.service';
import { InboundEvent } from './inbound-event.entity';
import { InboxAdminController } from './inbox-admin.controller';
import { InboxClaimsRepository } from './inbox-claims.repository';
import { InboxMaintenanceProcessor } from './inbox-maintenance.processor';
import { InboxMaintenanceScheduler } from './inbox-maintenance.scheduler';
import { InboxReconciler } from './inbox-reconciler';
import { InboxService } from './inbox.service';
import { InboxWakeups } from './inbox-wakeups';
import { InboxWriter } from './inbox.writer';
import { QueueModule } from '../queue/queue.module';

/**
 * The inbox: owns `inbound_events` (every statement on it), its wake-up jobs, the reconciler that
 * re-wakes rows that lost theirs, and the admin view and replay of events.
 */
@Module({
  imports: [
    QueueModule,
    TypeOrmModule.forFeature([InboundEvent]),
    PagesModule,
    BullModule.registerQueue({ name: QueueName.Inbound }, { name: QueueName.Maintenance }),
  ],
  controllers: [InboxAdminController],
  providers: [
    InboxService,
    InboxWriter,
    InboxWakeups,
    InboxReconciler,
    InboxClaimsRepository,
    EventReplayService,
    ...workerOnly<Provider>(InboxMaintenanceProcessor, InboxMaintenanceScheduler),
  ],
  exports: [InboxService, InboxReconciler, InboxClaimsRepository, InboxWakeups],
})
export class InboxModule {}
