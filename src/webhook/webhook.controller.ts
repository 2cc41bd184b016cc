import { Controller, Get, HttpCode, Post, Query, Req, UseGuards } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { RAW_BODY_ROUTE } from './webhook-raw-body';
import { WebhookSignatureGuard } from './webhook-signature.guard';
import { WebhookVerificationService } from './webhook-verification.service';
import { WebhookService } from './webhook.service';
import { Audience } from '../common/auth/audience';

/** Facebook's callback URL: the verification handshake and event delivery. */
@ApiExcludeController()
@Audience('public')
@Controller('webhook')
export class WebhookController {
  constructor(
    private readonly webhook: WebhookService,
    private readonly verification: WebhookVerificationService,
  ) {}

  // A string answer goes out as text/plain (Fastify's default for strings); a @Header would also
  // apply to the JSON error body.
  @Get()
  verify(
    @Query('hub.mode') mode: unknown,
    @Query('hub.verify_token') token: unknown,
    @Query('hub.challenge') challenge: unknown,
  ): string {
    return this.verification.verify(mode, token, challenge);
  }

  @Post()
  @HttpCode(200)
  @RouteConfig({ [RAW_BODY_ROUTE]: true })
  @UseGuards(WebhookSignatureGuard)
  async receive(@Req() request: FastifyRequest & { rawBody?: Buffer }): Promise<string> {
    await this.webhook.ingest(request.rawBody ?? Buffer.alloc(0));
    return 'EVENT_RECEIVED';
  }
}
