import { BullModule } from '@nestjs/bull';
import { Module, type Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { workerOnly } from '../config/app-role';
import { BotCatalogModule } from '../bot-sdk/bot-catalog.module';
import { QueueName } from '../queue/queue.constants';
import { PageHealthService } from './page-health.service';
import { PageLifecycleService } from './page-lifecycle.service';
import { PageProfileService } from './page-profile.service';
import { PageRegistrationService } from './page-registration.service';
import { PageStatusEvents } from './page-status.events';
import { PageTokenVerifier } from './page-token.verifier';
import { Page } from './page.entity';
import { PagesController } from './pages.controller';
import { PagesHealthJob } from './pages-health.job';
import { PagesMaintenanceProcessor } from './pages-maintenance.processor';
import { PagesMaintenanceScheduler } from './pages-maintenance.scheduler';
import { PagesRepository } from './pages.repository';
import { PagesService } from './pages.service';
import { TokenReencryptionService } from './token-reencryption.service';
import { TokenVault } from './token-vault';
import { GraphModule } from '../graph/graph.module';
import { AlertsModule } from '../alerts/alerts.module';
import { QueueModule } from '../queue/queue.module';
import { RedisModule } from '../redis/redis.module';

/** The Page registry: tokens (encrypted), status, subscription and health. Others use PagesService. */
@Module({
  imports: [
    GraphModule,
    AlertsModule,
    QueueModule,
    RedisModule,
    TypeOrmModule.forFeature([Page]),
    BullModule.registerQueue({ name: QueueName.Maintenance }),
    BotCatalogModule,
  ],
  controllers: [PagesController],
  providers: [
    TokenVault,
    PagesRepository,
    PagesService,
    PageStatusEvents,
    PageTokenVerifier,
    PageRegistrationService,
    PageLifecycleService,
    PageHealthService,
    PageProfileService,
    PagesHealthJob,
    TokenReencryptionService,
    ...workerOnly<Provider>(PagesMaintenanceScheduler, PagesMaintenanceProcessor),
  ],
  exports: [PagesService, PageStatusEvents],
})
export class PagesModule {}
