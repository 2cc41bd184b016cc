import { BullModule } from '@nestjs/bull';
import { Module, type Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { workerOnly } from '../config/app-role';
import { QueueName } from '../queue/queue.constants';
import { AlertDeliveryService } from './alert-delivery.service';
import { AlertLogSink } from './alert-log.sink';
import { Alert } from './alert.entity';
import { AlertsAdminService } from './alerts-admin.service';
import { AlertsRetentionService } from './alerts-retention.service';
import { AlertsController } from './alerts.controller';
import { AlertsProcessor } from './alerts.processor';
import { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';
import { SlackWebhookSink } from './slack-webhook.sink';
import { QueueModule } from '../queue/queue.module';

@Module({
  imports: [
    QueueModule,
    TypeOrmModule.forFeature([Alert]),
    BullModule.registerQueue({ name: QueueName.Alerts }),
  ],
  controllers: [AlertsController],
  providers: [
    AlertsService,
    AlertsRepository,
    AlertsAdminService,
    AlertLogSink,
    AlertDeliveryService,
    SlackWebhookSink,
    ...workerOnly<Provider>(AlertsProcessor, AlertsRetentionService),
  ],
  exports: [AlertsService],
})
export class AlertsModule {}
