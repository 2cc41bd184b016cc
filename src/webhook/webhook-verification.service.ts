import { Inject, Injectable, Logger } from '@nestjs/common';
import { secretsEqual } from '../common/auth/api-key';
import { InvalidRequestError } from '../common/errors/domain-error';
import { messengerConfig, type MessengerConfig } from '../config/messenger.config';
import { WebhookVerificationError } from './webhook.errors';
import { WebhookMetrics } from './webhook.metrics';

// Facebook sends a number; anything echoed back is kept short and plain.
const CHALLENGE = /^[A-Za-z0-9._-]{1,256}$/;

/** Facebook's subscription handshake: echo `hub.challenge` when `hub.verify_token` is ours. */
@Injectable()
export class WebhookVerificationService {
  private readonly logger = new Logger(WebhookVerificationService.name);

  constructor(
    @Inject(messengerConfig.KEY) private readonly messenger: MessengerConfig,
    private readonly metrics: WebhookMetrics,
  ) {}

  verify(mode: unknown, token: unknown, challenge: unknown): string {
    const tokenMatches = typeof token === 'string' && secretsEqual(token, this.messenger.verifyToken);
    if (mode !== 'subscribe' || !tokenMatches) {
      this.metrics.verificationFailures++;
      this.logger.warn(
        { mode: typeof mode === 'string' ? mode.slice(0, 32) : undefined },
        'Webhook verification refused',
      );
      throw new WebhookVerificationError();
    }
    if (typeof challenge !== 'string' || !CHALLENGE.test(challenge)) {
      throw new InvalidRequestError('hub.challenge is missing or malformed', 'invalid_challenge');
    }
    this.logger.log('Webhook verified by Facebook');
    return challenge;
  }
}
