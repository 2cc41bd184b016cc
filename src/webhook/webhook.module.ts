import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { appConfig, type AppConfig } from '../config/app.config';
import { InboxModule } from '../inbox/inbox.module';
import { keepRawJsonBodyOnFlaggedRoutes } from './webhook-raw-body';
import { WebhookErrorAlerter } from './webhook-error-alerter';
import { WebhookSignatureGuard } from './webhook-signature.guard';
import { WebhookVerificationService } from './webhook-verification.service';
import { WebhookController } from './webhook.controller';
import { WebhookMetrics } from './webhook.metrics';
import { WebhookService } from './webhook.service';
import { AlertsModule } from '../alerts/alerts.module';

@Module({
  imports: [AlertsModule, InboxModule],
  controllers: [WebhookController],
  providers: [
    WebhookService,
    WebhookVerificationService,
    WebhookSignatureGuard,
    WebhookMetrics,
    WebhookErrorAlerter,
  ],
  exports: [WebhookMetrics],
})
export class WebhookModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    keepRawJsonBodyOnFlaggedRoutes(fastify, this.app.webhookBodyLimit);
  }
}
