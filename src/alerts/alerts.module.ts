import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QueueName } from '../queue/queue.constants';
import { AlertLogSink } from './alert-log.sink';
import { Alert } from './alert.entity';
import { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';

/** Global: every feature raises alerts through AlertsService. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Alert]), BullModule.registerQueue({ name: QueueName.Alerts })],
  providers: [AlertsService, AlertsRepository, AlertLogSink],
  exports: [AlertsService],
})
export class AlertsModule {}
