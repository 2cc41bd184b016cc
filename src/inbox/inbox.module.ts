import { BullModule } from '@nestjs/bull';
import { Module, type Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { workerOnly } from '../config/app-role';
import { QueueName } from '../queue/queue.constants';
import { InboundEvent } from './inbound-event.entity';
import { InboxAdminController } from './inbox-admin.controller';
import { InboxMaintenanceProcessor } from './inbox-maintenance.processor';
import { InboxMaintenanceScheduler } from './inbox-maintenance.scheduler';
import { InboxReconciler } from './inbox-reconciler.service';
import { InboxService } from './inbox.service';
import { InboxWakeups } from './inbox-wakeups';
import { InboxWriter } from './inbox.writer';

@Module({
  imports: [
    TypeOrmModule.forFeature([InboundEvent]),
    BullModule.registerQueue({ name: QueueName.Inbound }, { name: QueueName.Maintenance }),
  ],
  controllers: [InboxAdminController],
  providers: [
    InboxService,
    InboxWriter,
    InboxWakeups,
    InboxReconciler,
    ...workerOnly<Provider>(InboxMaintenanceProcessor, InboxMaintenanceScheduler),
  ],
  exports: [InboxService, InboxReconciler],
})
export class InboxModule {}
