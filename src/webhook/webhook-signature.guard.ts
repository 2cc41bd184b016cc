import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { messengerConfig, type MessengerConfig } from '../config/messenger.config';
import { webhookConfig, type WebhookConfig } from '../config/webhook.config';
import { WebhookSignatureError, type SignatureFailure } from './webhook.errors';
import { WebhookMetrics } from './webhook.metrics';

// Lower-case hex only, as Facebook sends it: accepting both cases would let a flipped case bit pass.
const SHA256_HEADER = /^sha256=([0-9a-f]{64})$/;
const SHA1_HEADER = /^sha1=([0-9a-f]{40})$/;

/**
 * Verifies Facebook's signature over the raw request bytes (never re-serialised JSON) before anything
 * else looks at the body. `X-Hub-Signature-256` always; the legacy sha1 `X-Hub-Signature` only with
 * WEBHOOK_ACCEPT_SHA1=true and only when no sha256 header is present (no downgrade).
 */
@Injectable()
export class WebhookSignatureGuard implements CanActivate {
  private readonly logger = new Logger(WebhookSignatureGuard.name);

  constructor(
    @Inject(messengerConfig.KEY) private readonly messenger: MessengerConfig,
    @Inject(webhookConfig.KEY) private readonly config: WebhookConfig,
    private readonly metrics: WebhookMetrics,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest & { rawBody?: Buffer }>();
    const failure = this.check(request.headers, request.rawBody ?? Buffer.alloc(0));
    if (failure === undefined) return true;
    this.count(failure);
    // Reason and caller only: neither the presented nor the expected signature is logged.
    this.logger.warn({ reason: failure, ip: request.ip }, 'Webhook signature rejected');
    throw new WebhookSignatureError(failure);
  }

  private check(headers: FastifyRequest['headers'], body: Buffer): SignatureFailure | undefined {
    const sha256 = headers['x-hub-signature-256'];
    if (sha256 !== undefined) return this.verify('sha256', SHA256_HEADER, sha256, body);
    const sha1 = headers['x-hub-signature'];
    if (sha1 !== undefined && this.config.acceptSha1) return this.verify('sha1', SHA1_HEADER, sha1, body);
    return 'missing';
  }

  private verify(
    algorithm: 'sha256' | 'sha1',
    format: RegExp,
    header: string | string[],
    body: Buffer,
  ): SignatureFailure | undefined {
    const match = typeof header === 'string' ? format.exec(header) : null;
    if (!match) return 'malformed';
    const presented = Buffer.from(match[1], 'hex');
    const expected = createHmac(algorithm, this.messenger.appSecret).update(body).digest();
    return timingSafeEqual(presented, expected) ? undefined : 'mismatch';
  }

  private count(failure: SignatureFailure): void {
    if (failure === 'missing') this.metrics.signatureMissing++;
    else if (failure === 'malformed') this.metrics.signatureMalformed++;
    else this.metrics.signatureMismatch++;
  }
}
